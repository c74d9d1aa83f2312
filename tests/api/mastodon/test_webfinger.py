"""WebFinger for local accounts and host-meta pointing at it, as Mastodon answers them."""

from __future__ import annotations

from xml.etree import ElementTree

from salon.accounts import service as accounts
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site

HOST = "127.0.0.1:8000"  # the tests' base_url
BASE = f"http://{HOST}"


def finger(site: Site, resource: str | None, **headers: str) -> object:
    query = {} if resource is None else {"resource": resource}
    return site.anon.client.get("/.well-known/webfinger", params=query, headers=headers)


def test_webfinger_finds_local_accounts(site: Site) -> None:
    token_for(site, "Alice")
    for resource in (f"acct:alice@{HOST}", f"acct:ALICE@{HOST}", f"alice@{HOST}",
                     f"{BASE}/@alice", f"{BASE}/users/alice"):
        found = finger(site, resource)
        assert found.status_code == 200, resource  # type: ignore[attr-defined]
        assert found.headers["content-type"].startswith("application/jrd+json")  # type: ignore[attr-defined]
        body = found.json()  # type: ignore[attr-defined]
        assert body["subject"] == f"acct:Alice@{HOST}"
        assert body["aliases"] == [f"{BASE}/@Alice"]
        links = {link["rel"]: link for link in body["links"]}
        assert links["self"] == {"rel": "self", "type": "application/activity+json",
                                 "href": f"{BASE}/@Alice"}
        assert links["http://webfinger.net/rel/profile-page"]["href"] == f"{BASE}/@Alice"
    # Cross-origin readers get it too.
    cors = finger(site, f"acct:alice@{HOST}", Origin="https://app.example")
    assert cors.headers["access-control-allow-origin"] == "*"  # type: ignore[attr-defined]


def test_webfinger_refuses_unknown_and_bad_resources(site: Site) -> None:
    token_for(site, "alice")
    token_for(site, "gone")

    async def suspend(session: object) -> None:
        found = await accounts.find_by_username(session, "gone")  # type: ignore[arg-type]
        assert found is not None
        await accounts.suspend(session, found.id)  # type: ignore[arg-type]

    site.call(suspend)
    for unknown in (f"acct:nobody@{HOST}", "acct:alice@elsewhere.example",
                    f"acct:gone@{HOST}", "https://elsewhere.example/@alice",
                    f"{BASE}/@alice/123", f"acct:{'x' * 500}@{HOST}"):
        missing = finger(site, unknown)
        assert missing.status_code == 404, unknown  # type: ignore[attr-defined]
        assert missing.json() == {"error": "Record not found"}  # type: ignore[attr-defined]
    for bad in (None, "", "acct:alice", "alice", "acct:@host", "mailto:"):
        refused = finger(site, bad)
        assert refused.status_code == 400, bad  # type: ignore[attr-defined]
        assert "resource" in refused.json()["error"]  # type: ignore[attr-defined]


def test_host_meta_points_at_webfinger(site: Site) -> None:
    found = api(site, "GET", "/.well-known/host-meta", {"Origin": "https://app.example"})
    assert found.headers["content-type"].startswith("application/xrd+xml")
    assert found.headers["access-control-allow-origin"] == "*"
    root = ElementTree.fromstring(found.text)
    assert root.tag == "{http://docs.oasis-open.org/ns/xri/xrd-1.0}XRD"
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("rel") == "lrdd"
    assert link.get("template") == f"{BASE}/.well-known/webfinger?resource={{uri}}"
    as_json = api(site, "GET", "/.well-known/host-meta", {}, params={"format": "json"}).json()
    assert as_json["links"][0]["template"] == link.get("template")
    bad = api(site, "GET", "/.well-known/host-meta", {}, params={"format": "yaml"})
    assert bad.status_code == 422 and "format" in bad.json()["error"]
