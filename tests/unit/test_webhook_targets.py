"""Where a webhook call may go: public addresses, checked again when it is sent."""

from __future__ import annotations

import socket

import pytest

from service.notify import webhook
from tests.notify_servers import Receiver

BODY = webhook.encode({"type": "incident.opened"})


def post(url, **kwargs):
    return webhook.post(
        url,
        secret="s" * 16,
        event_id="e1",
        event_type="incident.opened",
        body=BODY,
        timeout=5,
        **kwargs,
    )


def test_a_call_to_an_address_inside_the_network_is_not_made():
    with Receiver() as receiver:
        answer = post(receiver.url)  # 127.0.0.1, not allowed
        assert not answer.ok
        assert answer.detail.startswith("refused: 127.0.0.1 is not a public address")
        assert receiver.calls == []
        assert post(receiver.url, allowed_hosts={"127.0.0.1"}).ok
        assert len(receiver.calls) == 1


def test_the_call_goes_to_the_address_that_was_checked(monkeypatch):
    """A name is resolved once, checked, and the connection made to that address: a
    resolver that answers differently the second time (DNS rebinding) is not asked again."""
    real = socket.getaddrinfo
    asked = []

    def resolver(host, port, *args, **kwargs):
        if host == "hooks.rebind.test":
            asked.append(host)
            if len(asked) > 1:
                raise AssertionError("resolved twice")
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with Receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "hooks.rebind.test")
        answer = post(url, allowed_hosts={"hooks.rebind.test"})
        assert answer.ok, answer.detail
        [call] = receiver.calls
        assert call.headers["Host"].startswith("hooks.rebind.test:")
    assert asked == ["hooks.rebind.test"]


def test_a_name_that_now_resolves_inside_is_refused_at_delivery(monkeypatch):
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: real(
            "169.254.169.254" if host == "hooks.example.org" else host, port, *a, **k
        ),
    )
    answer = post("https://hooks.example.org/in")
    assert not answer.ok and "169.254.169.254, not a public address" in answer.detail


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("169.254.169.254", False),
        ("::ffff:10.0.0.1", False),
        ("224.0.0.1", False),
        ("fd12::1", False),
    ],
)
def test_what_counts_as_public(address, public):
    assert webhook.is_public(address) is public
