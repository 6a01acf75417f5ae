"""A real OpenID provider for the single sign-on tests: panva's oidc-provider
(tools/oidc-test-provider) on a free loopback port, over HTTPS with a certificate
from a test CA, and a walk through its sign-in the way a browser would go.

Without Node or `npm ci --prefix tools/oidc-test-provider` the tests skip, unless
INCIDENT_DESK_REQUIRE_OIDC is set (as .ci/run does): then they fail.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urljoin

import pytest
import requests
import trustme

TOOL = Path(__file__).resolve().parent.parent / "tools" / "oidc-test-provider"
PUBLIC_URL = "http://127.0.0.1:8000"
CALLBACK = PUBLIC_URL + "/sso/callback"


@dataclass
class Provider:
    issuer: str
    ca_file: Path
    accounts_file: Path
    clients: dict[str, str]  # client id -> secret

    def set_accounts(self, accounts: dict[str, dict]) -> None:
        self.accounts_file.write_text(json.dumps(accounts))

    def session(self) -> requests.Session:
        """A browser's view of the provider: its cookies, the test CA trusted."""
        browser = requests.Session()
        # Not session.verify: REQUESTS_CA_BUNDLE, when set, would override it.
        browser.request = functools.partial(browser.request, verify=str(self.ca_file))
        return browser

    def walk(self, browser: requests.Session, url: str, login: str) -> str:
        """Follow the provider's redirects from `url`, signing in as `login` when asked;
        the URL it finally sends the browser to, back at the client."""
        for _ in range(12):
            if not url.startswith(self.issuer):
                return url
            answer = browser.get(url, allow_redirects=False, timeout=10)
            if answer.status_code == 200 and "/interaction/" in url:
                answer = browser.post(url, data={"login": login}, allow_redirects=False, timeout=10)
            if answer.status_code not in (302, 303):
                raise AssertionError(f"the provider answered {answer.status_code}: {answer.text}")
            url = urljoin(url, answer.headers["Location"])
        raise AssertionError("the provider kept redirecting")

    def token_for(self, client_id: str, login: str, nonce: str) -> dict:
        """A genuine token response for another client, through its own code flow."""
        browser = self.session()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        query = urlencode(
            {
                "client_id": client_id,
                "response_type": "code",
                "scope": "openid email profile",
                "redirect_uri": CALLBACK,
                "state": secrets.token_urlsafe(16),
                "nonce": nonce,
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            }
        )
        back = self.walk(browser, f"{self.issuer}/auth?{query}", login)
        code = requests.utils.urlparse(back).query.split("code=")[1].split("&")[0]
        answer = browser.post(
            f"{self.issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": CALLBACK,
                "code_verifier": verifier,
            },
            auth=(client_id, self.clients[client_id]),
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()


def _require() -> str:
    node = shutil.which("node")
    if node and (TOOL / "node_modules" / "oidc-provider").is_dir():
        return node
    if os.environ.get("INCIDENT_DESK_REQUIRE_OIDC"):
        pytest.fail("INCIDENT_DESK_REQUIRE_OIDC is set but the test OpenID provider is missing")
    pytest.skip("needs Node and `npm ci --prefix tools/oidc-test-provider`")


def _issuer(process: subprocess.Popen) -> str:
    """The issuer the provider prints once it listens (warnings may come first)."""
    seen = []
    # A provider that hangs is stopped, which ends the reading below.
    watchdog = threading.Timer(30, process.kill)
    watchdog.start()
    try:
        for line in process.stdout:
            if line.startswith("listening "):
                return line.split()[1]
            seen.append(line)
    finally:
        watchdog.cancel()
    raise AssertionError(f"the test OpenID provider did not start: {''.join(seen)}")


@contextlib.contextmanager
def running(folder: Path, accounts: dict[str, dict]):
    """A provider with the clients `desk` and `other`, both redirecting to CALLBACK."""
    node = _require()
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    (ca_file := folder / "ca.pem").write_bytes(ca.cert_pem.bytes())
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    clients = {"desk": secrets.token_urlsafe(24), "other": secrets.token_urlsafe(24)}
    accounts_file = folder / "accounts.json"
    accounts_file.write_text(json.dumps(accounts))
    config = {
        "host": "127.0.0.1",
        "port": 0,
        "cert": str(folder / "cert.pem"),
        "key": str(folder / "key.pem"),
        "accounts_file": str(accounts_file),
        "clients": [
            {
                "client_id": name,
                "client_secret": secret,
                "redirect_uris": [CALLBACK],
                "post_logout_redirect_uris": [PUBLIC_URL + "/login"],
            }
            for name, secret in clients.items()
        ],
    }
    (folder / "provider.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        [node, str(TOOL / "provider.mjs"), str(folder / "provider.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield Provider(_issuer(process), ca_file, accounts_file, clients)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
