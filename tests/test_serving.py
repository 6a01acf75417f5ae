"""`incident-desk serve` against slow clients, alone and behind the nginx of deploy/.

Sixteen connections send the headers of a sign-in with a large Content-Length
and one byte of body, and stay quiet: the server must go on answering
others. Each request below has a timeout so that a server that stopped
answering fails the test instead of hanging it.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.served import answers as _answers
from tests.served import free_port as _free_port
from tests.served import serving

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or (
    Path("/usr/sbin/nginx") if Path("/usr/sbin/nginx").exists() else None
)
SLOW = 16


def slow_clients(port: int, wrap=None) -> list[socket.socket]:
    """Connections that start a sign-in and then send nothing more."""
    held = []
    for _ in range(SLOW):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        held.append(sock)
        if wrap is not None:
            sock = held[-1] = wrap(sock)
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: desk\r\nContent-Type: application/x-www-form-"
            b"urlencoded\r\nContent-Length: 100000\r\n\r\nu"
        )
    return held


def test_slow_clients_do_not_stop_the_embedded_server(tmp_path):
    with serving(tmp_path) as (port, _):
        held = slow_clients(port)
        try:
            for _ in range(5):
                assert _answers(f"http://127.0.0.1:{port}/health", timeout=5)
        finally:
            for sock in held:
                sock.close()


@pytest.mark.skipif(
    NGINX is None and not os.environ.get("INCIDENT_DESK_REQUIRE_NGINX"),
    reason="nginx is not installed (apt install nginx)",
)
def test_the_nginx_config_serves_over_tls_and_holds_slow_clients(tmp_path):
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    certificate = authority.issue_cert("desk.example.org", "127.0.0.1")
    chain, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    certificate.private_key_and_cert_chain_pem.write_to_path(str(chain))
    certificate.private_key_pem.write_to_path(str(key))
    https_port, http_port = _free_port(), _free_port()
    with serving(tmp_path, INCIDENT_DESK_PROXY_HOPS="1") as (service_port, _):
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        for old, new in {
            "/etc/ssl/incident-desk/fullchain.pem": str(chain),
            "/etc/ssl/incident-desk/privkey.pem": str(key),
            "127.0.0.1:8000": f"127.0.0.1:{service_port}",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "listen [::]:443 ssl http2;": "",
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen [::]:80;": "",
        }.items():
            assert old in site, old
            site = site.replace(old, new)
        (tmp_path / "site.conf").write_text(site)
        (tmp_path / "nginx.conf").write_text(
            f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
            "events {}\n"
            f"http {{ access_log off; client_body_temp_path {tmp_path}/body; "
            f"proxy_temp_path {tmp_path}/proxy; include {tmp_path}/site.conf; }}\n"
        )
        checked = subprocess.run(
            [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stderr
        proxy = subprocess.Popen(
            [
                str(NGINX),
                "-p",
                str(tmp_path),
                "-c",
                str(tmp_path / "nginx.conf"),
                "-g",
                "daemon off;",
            ],
            stderr=subprocess.DEVNULL,
        )
        try:
            context = ssl.create_default_context()
            authority.configure_trust(context)
            url = f"https://127.0.0.1:{https_port}/health"
            deadline = time.monotonic() + 30
            while not _answers(url, context):
                assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                time.sleep(0.1)
            held = slow_clients(
                https_port, wrap=lambda s: context.wrap_socket(s, server_hostname="127.0.0.1")
            )
            try:
                for _ in range(5):
                    assert _answers(url, context, timeout=5)
            finally:
                for sock in held:
                    sock.close()
            plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
            plain.request("GET", "/health")
            redirect = plain.getresponse()
            assert redirect.status == 301
            assert redirect.headers["Location"].startswith("https://")
            plain.close()
        finally:
            proxy.terminate()
            proxy.wait(timeout=30)


def test_several_gunicorn_workers_count_into_one_scrape(tmp_path):
    """Each worker process counts what it serves; whichever answers a scrape reports all."""
    from prometheus_client.parser import text_string_to_metric_families

    token = "scrape-" + "x" * 24
    with serving(
        tmp_path,
        INCIDENT_DESK_METRICS_TOKEN=token,
        # Unset: `serve` makes the folder the workers count into itself.
        PROMETHEUS_MULTIPROC_DIR=None,
        extra_args=["--workers", "2"],
    ) as (port, _env):
        for _ in range(40):
            # A new connection each time, so both workers take some.
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/incidents")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            refused.value.close()  # the answer's connection, which the error holds open
            assert refused.value.code == 401

        def counted() -> float:
            scrape = urllib.request.Request(
                f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"}
            )
            with urllib.request.urlopen(scrape, timeout=10) as response:
                text = response.read().decode()
            return sum(
                sample.value
                for family in text_string_to_metric_families(text)
                if family.name == "incident_desk_http_requests"
                for sample in family.samples
                if sample.name.endswith("_total")
                and sample.labels.get("route") == "/api/incidents"
                and sample.labels.get("status") == "401"
            )

        # Every scrape, whichever worker answers it, sees all 40.
        assert [counted() for _ in range(6)] == [40.0] * 6
