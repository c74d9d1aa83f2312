"""The instance as clients read it first: its limits match Salon's real ones."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from salon.settings import Settings
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site


def test_instance_v1_and_v2_with_and_without_slash(site: Site) -> None:
    site.user("alice")
    for path in ("/api/v1/instance", "/api/v1/instance/"):
        v1 = site.anon.client.get(path)
        assert v1.status_code == 200
        body = v1.json()
        assert re.match(r"^4\.\d+\.\d+ \(compatible; Salon \d", body["version"])
        assert body["stats"]["user_count"] == 1
        assert body["configuration"]["statuses"]["max_characters"] == 500
    for path in ("/api/v2/instance", "/api/v2/instance/"):
        v2 = site.anon.client.get(path).json()
        config = v2["configuration"]
        assert config["urls"]["streaming"].startswith("ws")
        assert config["statuses"] == {"max_characters": 500, "max_media_attachments": 4,
                                      "characters_reserved_per_url": 23}
        assert config["media_attachments"]["image_size_limit"] == 10 * 1024 * 1024
        assert config["media_attachments"]["image_matrix_limit"] == 40_000_000
        assert config["polls"]["max_options"] == 4
        assert v2["registrations"]["enabled"] is True
        imagine = v2["salon"]
        assert imagine["default_engine"] == "sketch"
        [sketch] = imagine["engines"]
        assert sketch["name"] == "sketch" and sketch["image_to_image"] is True
        assert sketch["aspects"]["16:9"] == [1280, 720] and "watercolor" in sketch["styles"]


def test_nodeinfo(site: Site) -> None:
    index = site.anon.client.get("/.well-known/nodeinfo").json()
    assert index["links"][0]["href"].endswith("/nodeinfo/2.0")
    info = site.anon.client.get("/nodeinfo/2.0").json()
    assert info["software"]["name"] == "salon" and info["openRegistrations"] is True


def test_instance_advertises_what_exists(site: Site) -> None:
    v2 = site.anon.client.get("/api/v2/instance").json()
    accounts = v2["configuration"]["accounts"]
    assert accounts == {"max_featured_tags": 10, "max_pinned_statuses": 5}
    assert v2["rules"] == [] and v2["configuration"]["translation"] == {"enabled": False}
    for field in ("domain", "title", "version", "source_url", "description", "usage",
                  "thumbnail", "icon", "languages", "configuration", "registrations",
                  "api_versions", "contact", "rules"):
        assert field in v2, field
    for key in ("urls", "vapid", "accounts", "statuses", "media_attachments", "polls",
                "translation"):
        assert key in v2["configuration"], key


def test_rules_and_extended_description_from_settings(settings: Settings) -> None:
    changed = settings.model_copy(update={
        "rules": "Be kind.\n\n  No spam, please.  \n",
        "extended_description": "Pictures <made> here.\nBy people.\n\nSecond paragraph."})
    with Site(changed) as site:
        rules = site.anon.client.get("/api/v1/instance/rules").json()
        assert rules == [{"id": "1", "text": "Be kind.", "hint": ""},
                         {"id": "2", "text": "No spam, please.", "hint": ""}]
        assert site.anon.client.get("/api/v2/instance").json()["rules"] == rules
        assert site.anon.client.get("/api/v1/instance").json()["rules"] == rules
        about = site.anon.client.get("/api/v1/instance/extended_description").json()
        assert about["content"] == ("<p>Pictures &lt;made&gt; here.<br>By people.</p>"
                                    "<p>Second paragraph.</p>")
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", about["updated_at"])


def test_the_small_instance_endpoints(site: Site) -> None:
    client = site.anon.client
    assert client.get("/api/v1/instance/rules").json() == []
    assert client.get("/api/v1/instance/extended_description").json()["content"] == ""
    languages = client.get("/api/v1/instance/languages").json()
    assert {"code": "en", "name": "English"} in languages and len(languages) > 180
    assert client.get("/api/v1/instance/peers").json() == []
    assert client.get("/api/v1/instance/translation_languages").json() == {}
    hidden = client.get("/api/v1/instance/domain_blocks")
    assert hidden.status_code == 404 and hidden.json() == {"error": "Record not found"}
    cors = client.get("/api/v1/instance/languages", headers={"Origin": "https://a.example"})
    assert cors.headers["access-control-allow-origin"] == "*"


def test_weekly_activity(site: Site) -> None:
    alice = token_for(site, "alice")  # a sign-up, a web sign-in and an app token
    token_for(site, "bob")
    for n in range(3):
        api(site, "POST", "/api/v1/statuses", alice, data={"status": f"post {n}"})
    weeks = site.anon.client.get("/api/v1/instance/activity").json()
    assert len(weeks) == 12
    starts = [int(w["week"]) for w in weeks]
    assert starts == sorted(starts, reverse=True)
    assert all(a - b == 7 * 86400 for a, b in zip(starts, starts[1:], strict=False))
    monday = datetime.fromtimestamp(starts[0], UTC)
    assert monday.weekday() == 0 and monday.hour == 0
    assert weeks[0] == {"week": weeks[0]["week"], "statuses": "3", "logins": "2",
                        "registrations": "2"}
    assert all(w["statuses"] == "0" for w in weeks[1:])
