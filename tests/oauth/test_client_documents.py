"""Client ID Metadata Documents over real sockets: `salon serve` fetches a client's document
from an https server the test runs (its certificate trusted through SSL_CERT_FILE, as an
operator's CA bundle would be), and the SDK's own client signs in with its document's URL as
client_id, no registration. Bad documents, redirects, large answers, untrusted certificates
and addresses inside the network are refused with a message saying what is wrong; the
document is fetched again when its cache time has passed, and not before."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from salon.oauth import documents as client_documents
from salon.oauth.service import OAuthError
from tests.api.mastodon.test_oauth import pkce
from tests.certificates import self_signed
from tests.conftest import _free_port, real_site
from tests.databases import Databases
from tests.mcp.test_http import REDIRECT, Memory, Person, connected, structured


class Documents:
    """An https server whose answers the test sets per path, counting requests."""

    def __init__(self, folder: Path, name: str) -> None:
        self.cert, key = self_signed(folder, name)
        self.served: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.slow: set[str] = set()  # paths answered a byte at a time, a second apart
        self.hits: Counter[str] = Counter()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the base class's name
                owner.hits[self.path] += 1
                status, headers, body = owner.served.get(self.path, (404, {}, b"none"))
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path in owner.slow:  # each read is quick; the whole is not
                    for byte in body[:20]:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(1)
                    return
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.port = _free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def put(self, path: str, document: Any = None, status: int = 200,
            headers: dict[str, str] | None = None, body: bytes | None = None) -> str:
        """Serves `document` (as JSON, with its own URL as client_id unless it names one)
        at `path`; returns that URL."""
        if isinstance(document, dict):
            document = {"client_id": self.url(path), **document}
        self.served[path] = (status, headers or {},
                             body if body is not None else json.dumps(document).encode())
        return self.url(path)


def assistant(**fields: Any) -> dict[str, Any]:
    return {"client_name": "Doc assistant", "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "token_endpoint_auth_method": "none", **fields}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Documents]:
    served = Documents(tmp_path_factory.mktemp("documents"), "documents")
    yield served
    served.httpd.shutdown()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, databases: Databases,
         documents: Documents) -> Iterator[str]:
    trusted = {"SSL_CERT_FILE": str(documents.cert),
               "SALON_CLIENT_DOCUMENTS_ALLOW_PRIVATE": "true"}
    with real_site(tmp_path_factory, databases, trusted) as (base, _):
        yield base


def authorize(person: Person, client_id: str, redirect_uri: str = REDIRECT) -> tuple[int, str]:
    _, challenge = pkce()
    page = person.browser.get("/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "code_challenge": challenge, "code_challenge_method": "S256"}), timeout=60)
    return page.status_code, page.text


async def test_an_assistant_signs_in_with_its_documents_url_as_client_id(
        site: str, documents: Documents) -> None:
    url = documents.put("/assistant/client.json", assistant())
    metadata = Person(site, "doc").browser.get("/.well-known/oauth-authorization-server")
    assert metadata.json()["client_id_metadata_document_supported"] is True
    ada = Person(site, "adadoc")
    storage = Memory()
    async with connected(site, ada, storage, document=url) as client:
        assert storage.client is not None and storage.client.client_id == url
        assert "Doc assistant" in ada.consent
        assert f"a document on <strong>127.0.0.1:{documents.port}</strong>" in ada.consent
        me = structured(await client.call_tool("whoami", {}))
        assert me["acct"] == "@adadoc"
        made = structured(await client.call_tool("create_post", {"text": "Via a document"}))
        assert made["via"] == "Doc assistant"
    assert documents.hits["/assistant/client.json"] == 1  # kept for its cache time
    assert "Doc assistant" in ada.browser.get("/settings/apps").text


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("/mismatch.json", {"document": assistant(client_id="https://elsewhere.example/c.json")},
     "its client_id must be its own URL"),
    ("/moved.json", {"status": 302, "headers": {"Location": "/assistant/client.json"}},
     "answered 302, not 200 (redirects are not followed)"),
    ("/missing.json", {"status": 404}, "answered 404"),
    ("/large.json", {"document": assistant(client_name="x" * 100, padding="y" * 6000)},
     "is larger than 5120 bytes"),
    ("/page.json", {"document": assistant(), "headers": {"Content-Type": "text/html"}},
     "is not served as application/json"),
    ("/broken.json", {"body": b"{not json"}, "is not valid JSON"),
    ("/list.json", {"body": b"[]"}, "is not a JSON object"),
    ("/secret.json", {"document": assistant(client_secret="s3cret")},
     "it must not hold a client_secret"),
    ("/basic.json", {"document": assistant(token_endpoint_auth_method="client_secret_basic")},
     "token_endpoint_auth_method must be none"),
    ("/script.json", {"document": assistant(redirect_uris=["javascript:alert(1)"])},
     "must not use the javascript: scheme"),
    ("/grants.json", {"document": assistant(grant_types=["client_credentials"])},
     "grant_types may be authorization_code and refresh_token"),
    ("/no-uris.json", {"document": assistant(redirect_uris="https://a.example/cb")},
     "redirect_uris, grant_types and response_types must be lists"),
    ("/scope.json", {"document": assistant(scope="read nonsense")}, "nonsense"),
    ("/deep.json", {"body": b"[" * 5000}, "is not valid JSON"),
]


def test_bad_documents_are_refused_saying_what_is_wrong(site: str, documents: Documents
                                                        ) -> None:
    bob = Person(site, "bobdoc")
    for path, answer, said in BAD:
        url = documents.put(path, **answer)
        status, text = authorize(bob, url)
        assert status == 400 and said in text, (path, status, text[-800:])


def test_the_documents_redirect_uris_bind_where_the_code_goes(site: str, documents: Documents
                                                              ) -> None:
    url = documents.put("/bound.json", assistant())
    status, text = authorize(Person(site, "carol"), url, "https://attacker.example/cb")
    assert status == 400 and "redirect_uri does not match" in text


def test_addresses_urls_and_certificates_the_server_does_not_trust(
        site: str, documents: Documents, tmp_path: Path) -> None:
    dave = Person(site, "davedoc")
    stranger = Documents(tmp_path, "stranger")  # a certificate the site does not trust
    try:
        status, text = authorize(dave, stranger.put("/c.json", assistant()))
        assert status == 400 and "could not be fetched: ConnectError" in text, text[-500:]
        assert stranger.hits["/c.json"] == 0  # the handshake failed before any request
    finally:
        stranger.httpd.shutdown()
    for client_id, said in [
        (f"http://127.0.0.1:{documents.port}/c.json", "client_id must be an https URL"),
        (f"https://127.0.0.1:{documents.port}", "must be an https URL with a path"),
        (f"https://127.0.0.1:{documents.port}/a/../c.json", "without . or .. segments"),
        ("https://" + "a" * 600 + ".example/c.json", "at most"),
        ("https://a..b.example/c.json", "must name a valid host"),
        ("https://" + "a" * 64 + ".example/c.json", "must name a valid host"),
    ]:
        status, text = authorize(dave, client_id)
        assert status == 400 and said in text, (client_id, text[-500:])


@pytest.mark.parametrize("client_id", [
    "https://127.0.0.1/client.json", "https://10.1.2.3/client.json", "https://[::1]/c.json",
    "https://169.254.169.254/latest/meta-data", "https://localhost/client.json",
    "https://printer.local/client.json", "https://intranet/client.json",
])
def test_addresses_inside_the_network_are_refused_before_any_request(client_id: str) -> None:
    with pytest.raises(OAuthError) as refused:
        client_documents.check_url(client_id, allow_private=False)
    assert refused.value.code == "invalid_client" and "public" in refused.value.message
    assert client_documents.check_url("https://assistant.example/c.json", False)


def test_a_server_that_trickles_its_document_is_cut_off(site: str, documents: Documents
                                                        ) -> None:
    url = documents.put("/slow.json", assistant())
    documents.slow.add("/slow.json")
    status, text = authorize(Person(site, "slowdoc"), url)
    assert status == 400 and "took longer than 5 seconds" in text, text[-500:]


def test_the_document_is_fetched_again_when_its_cache_time_has_passed(
        site: str, documents: Documents) -> None:
    erin = Person(site, "erindoc")
    path = "/cached.json"
    url = documents.put(path, assistant(client_name="First"), headers={
        "Cache-Control": "no-cache"})
    assert "Authorize First" in authorize(erin, url)[1]
    documents.put(path, assistant(client_name="Second"), headers={
        "Cache-Control": "public, max-age=3600"})
    assert "Authorize Second" in authorize(erin, url)[1]
    documents.put(path, assistant(client_name="Third"))
    assert "Authorize Second" in authorize(erin, url)[1]  # kept for the hour it was given
    assert documents.hits[path] == 2
