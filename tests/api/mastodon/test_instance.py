"""The instance as clients read it first: its limits match Salon's real ones."""

from __future__ import annotations

import re

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
