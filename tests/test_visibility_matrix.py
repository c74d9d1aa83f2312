"""Followers-only and direct posts never reach anyone else, through any page or API answer.

One world per module: an author writes one post per visibility, each a reply to their own
public parent, each with a unique marker word and hashtag, each mentioning two people, and
each carrying a generated picture (its prompt holds the marker) that remixes the parent's. Then
every (viewer, visibility, place) cell checks that the marker shows exactly when the rule
allows it: pages, the API, the MCP tools and resources an assistant reads, and a dataset
export (the author consents to everything: only public posts may be in it). Every
response is also checked not to be a 5xx."""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.datasets.export.run import export
from salon.mcp import server as mcp_server
from salon.mcp.acting import Runtime
from salon.oauth import service as oauth
from salon.settings import Settings
from tests.databases import Databases
from tests.datasets.test_consent_property import every_byte
from tests.web import CheckedSite, WebUser, articles, make_settings, open_site

VISIBILITIES = ["public", "unlisted", "private", "direct"]
VIEWERS = ["author", "follower", "mentioned", "mentfollower", "stranger", "anonymous", "blocked"]
FOLLOWERS = {"follower", "mentfollower"}
MENTIONED = {"mentioned", "mentfollower"}


def marker(visibility: str) -> str:
    return f"zqmark{visibility}"


def hashtag(visibility: str) -> str:
    return f"zqtag{visibility}"


def may_see(viewer: str, visibility: str) -> bool:
    """The rule: public and unlisted for all; private for followers and mentioned; direct
    for mentioned; the author always; someone the author blocked never."""
    if viewer == "blocked":
        return False
    if viewer == "author" or visibility in ("public", "unlisted"):
        return True
    if visibility == "private":
        return viewer in FOLLOWERS | MENTIONED
    return viewer in MENTIONED


def on_home(viewer: str, visibility: str) -> bool:
    if viewer == "anonymous" or not may_see(viewer, visibility):
        return False
    if viewer == "author" or viewer in FOLLOWERS:
        return True
    return visibility in ("private", "direct") and viewer in MENTIONED


def listed(viewer: str, visibility: str) -> bool:
    """Public timeline and tag pages carry public posts only."""
    return visibility == "public" and may_see(viewer, visibility)


def can_act(viewer: str, visibility: str) -> bool:
    return viewer != "anonymous" and may_see(viewer, visibility)


def notified(viewer: str, visibility: str) -> bool:
    return viewer in MENTIONED and may_see(viewer, visibility)


def on_list(viewer: str, visibility: str) -> bool:
    """A list holding the author (only followers may make one) shows what home would, less
    direct posts; a block takes the author out of the blocked person's lists."""
    return viewer in FOLLOWERS and visibility != "direct" and may_see(viewer, visibility)


def in_conversation(viewer: str, visibility: str) -> bool:
    """Direct posts make a conversation for each of their people: the author and those
    mentioned."""
    return visibility == "direct" and viewer in MENTIONED | {"author"}


@dataclass
class World:
    site: CheckedSite
    people: dict[str, WebUser]
    posts: dict[str, int]
    parent: int
    pages: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)  # API headers by viewer
    lists: dict[str, str] = field(default_factory=dict)  # each signed-in viewer's list id
    exported: bytes | None = None  # the dataset export's every cell, made once


def imagine(site: CheckedSite, person: WebUser, prompt: str, remix_of: int | None = None
            ) -> str:
    """Generate one picture through the web form; returns its media id."""
    fields = {"prompt": prompt, "count": "1", **({"remix_of": str(remix_of)} if remix_of else {})}
    response = person.post("/imagine", fields, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text[-500:]
    generation_id = response.text.split('id="g', 1)[1].split('"', 1)[0]
    site.run_jobs()
    card = person.get(f"/generations/{generation_id}", headers={"HX-Request": "true"}).text
    return card.split('name="media_id" value="', 1)[1].split('"', 1)[0]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[World]:
    root = tmp_path_factory.mktemp("visibility")
    database = databases.fresh(root)
    for site in open_site(make_settings(root, database)):
        people = {name: site.user(name) for name in VIEWERS if name != "anonymous"}
        people["anonymous"] = site.anon
        for name in ("follower", "mentfollower", "blocked"):
            assert people[name].post("/@author/follow").status_code == 303
        tokens = {name: api_token(site, name) for name in people if name != "anonymous"}
        author_id = site.anon.client.get("/api/v1/accounts/lookup",
                                         params={"acct": "author"}).json()["id"]
        lists = {}
        for name, headers in tokens.items():  # a list for each, holding the author if it may
            made = site.anon.client.post("/api/v1/lists", headers=headers,
                                         data={"title": "mine"}).json()
            lists[name] = made["id"]
            site.anon.client.post(f"/api/v1/lists/{made['id']}/accounts", headers=headers,
                                  data={"account_ids[]": author_id})
        author = people["author"]
        # The author lets everything be used for training: only visibility keeps a post out
        # of a dataset export.
        assert site.anon.client.put("/api/v1/salon/consent", headers=tokens["author"], json={
            "posts": True, "generated": True, "uploads": True, "choices": True,
        }).status_code == 200
        parent = site.compose(author, "author", {"text": "zqparent the public parent",
                                                 "media_id": imagine(site, author, "zqsource")})
        posts = {}
        for visibility in VISIBILITIES:
            text = f"{marker(visibility)} #{hashtag(visibility)} @mentioned @mentfollower"
            picture = imagine(site, author, f"{marker(visibility)} sea", remix_of=parent)
            posts[visibility] = site.compose(
                author,
                "author",
                {"text": text, "visibility": visibility, "in_reply_to_id": str(parent),
                 "media_id": picture},
            )
        site.run_jobs()
        # A follower who is then blocked: the posts reached them before the block.
        assert author.post("/@blocked/block").status_code == 303
        site.run_jobs()
        yield World(site, people, posts, parent, tokens=tokens, lists=lists)
    databases.drop(database)


def page_text(
    world: World, viewer: str, path: str, only_posts: bool = True, fresh: bool = False
) -> str:
    """The page as the viewer gets it; read once per module unless `fresh` (the pages read
    here do not change between cells: the actions cell undoes what it does)."""
    key = (viewer, path)
    if fresh or key not in world.pages:
        response = world.people[viewer].get(path, follow_redirects=False)
        assert response.status_code in (200, 303, 404), (path, response.status_code)
        world.pages[key] = (response.status_code, response.text)
    status, text = world.pages[key]
    if status != 200:
        return ""
    return articles(text) if only_posts else text


def api_text(world: World, viewer: str, path: str) -> str:
    """The API's answer as the viewer's app gets it (none without a token), read once."""
    key = (viewer, "api:" + path)
    if key not in world.pages:
        response = world.site.anon.client.get(path, headers=world.tokens.get(viewer, {}))
        assert response.status_code in (200, 401, 404), (path, response.status_code)
        world.pages[key] = (response.status_code, response.text)
    status, text = world.pages[key]
    return text if status == 200 else ""


def api_token(site: CheckedSite, username: str) -> dict[str, str]:
    async def issue(session: AsyncSession) -> str:
        app = await oauth.create_app(session, "matrix", oauth.OOB, "read write follow")
        account = await accounts.get_by_username(session, username)
        return (await oauth.issue_for(session, app, account, ["read", "write", "follow"])
                ).access_token

    return {"Authorization": f"Bearer {site.call(issue)}"}


Place = Callable[[World, str, str], bool]


def home(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in page_text(world, viewer, "/home")


def public(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in page_text(world, viewer, "/public")


def tag(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in page_text(world, viewer, f"/tags/{hashtag(visibility)}")


def profile(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in page_text(world, viewer, "/@author")


def with_replies(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in page_text(world, viewer, "/@author/with_replies")


def thread(world: World, viewer: str, visibility: str) -> bool:
    post_id = world.posts[visibility]
    return marker(visibility) in page_text(world, viewer, f"/@author/{post_id}")


def parent_thread(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in page_text(world, viewer, f"/@author/{world.parent}")


def search(world: World, viewer: str, visibility: str) -> bool:
    found = page_text(world, viewer, f"/search?q={marker(visibility)}")
    by_tag = page_text(world, viewer, f"/search?q=%23{hashtag(visibility)}")
    assert (marker(visibility) in found) == (marker(visibility) in by_tag)
    return marker(visibility) in found


def notifications(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in page_text(world, viewer, "/notifications")


def post_link(world: World, viewer: str, visibility: str) -> bool:
    post_id = world.posts[visibility]
    response = world.people[viewer].get(f"/posts/{post_id}", follow_redirects=False)
    assert response.status_code in (303, 404)
    if response.status_code == 303:
        assert response.headers["location"] == f"/@author/{post_id}"
    return bool(response.status_code == 303)


def history(world: World, viewer: str, visibility: str) -> bool:
    post_id = world.posts[visibility]
    text = page_text(world, viewer, f"/posts/{post_id}/history", only_posts=False)
    return marker(visibility) in text


def explore(world: World, viewer: str, visibility: str) -> bool:
    """Explore's grid shows pictures (their alt text is the prompt, which holds the marker)."""
    return marker(visibility) in page_text(world, viewer, "/explore", only_posts=False)


def remixes(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in page_text(world, viewer, f"/posts/{world.parent}/remixes")


def remix_form(world: World, viewer: str, visibility: str) -> bool:
    """Remixing fills in the post's recipe: only for someone signed in who may see it."""
    post_id = world.posts[visibility]
    text = page_text(world, viewer, f"/imagine?remix_of={post_id}", only_posts=False)
    return marker(visibility) in text


def api_by_id(world: World, viewer: str, visibility: str) -> bool:
    """Statuses by id (`id[]`), as apps fetch several at once."""
    post_id = world.posts[visibility]
    return marker(visibility) in api_text(world, viewer, f"/api/v1/statuses?id[]={post_id}")


def api_list(world: World, viewer: str, visibility: str) -> bool:
    if viewer not in world.lists:
        return False
    return marker(visibility) in api_text(
        world, viewer, f"/api/v1/timelines/list/{world.lists[viewer]}")


def api_conversations(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in api_text(world, viewer, "/api/v1/conversations")


def actions(world: World, viewer: str, visibility: str) -> bool:
    """Like, bookmark and repost: 404 for a post the viewer may not see (then nothing on
    their bookmarks page); otherwise they work (and are undone for the other cells)."""
    person = world.people[viewer]
    post_id = world.posts[visibility]
    if viewer == "anonymous":
        response = person.post(f"/posts/{post_id}/like")
        assert response.status_code == 303 and "/login" in response.headers["location"]
        return False
    codes = {}
    for action in ("like", "bookmark", "repost"):
        codes[action] = person.post(f"/posts/{post_id}/{action}").status_code
    bookmarked = marker(visibility) in page_text(world, viewer, "/bookmarks", fresh=True)
    for action in ("unlike", "unbookmark", "unrepost"):
        person.post(f"/posts/{post_id}/{action}")
    if codes["like"] == 404:
        assert codes == {"like": 404, "bookmark": 404, "repost": 404}, codes
        assert not bookmarked
        return False
    assert codes["like"] == codes["bookmark"] == 303, codes
    assert codes["repost"] == (303 if visibility in ("public", "unlisted") else 422), codes
    assert bookmarked
    return True


def mcp_text(world: World, viewer: str, tool: str, **arguments: str) -> str:
    """What a tool answers the viewer's assistant (the MCP server in-process, acting with
    the viewer's token as `salon mcp` does), read once; a refusal reads as nothing."""
    key = (viewer, f"mcp:{tool}:{sorted(arguments.items())}")
    if viewer not in world.tokens:
        return ""  # no token, no assistant
    if key not in world.pages:
        site = world.site
        token = world.tokens[viewer]["Authorization"].split()[1]

        async def ask() -> str:
            server = mcp_server.build(Runtime(site.settings, lambda: site.app.state.db,
                                              None, token))
            async with Client(server) as client:
                if tool.startswith("salon://"):
                    try:
                        read = await client.read_resource(tool)
                    except MCPError:
                        return ""
                    return " ".join(getattr(c, "text", "") for c in read.contents)
                result = await client.call_tool(tool, arguments)
            return "" if result.is_error else json.dumps(result.structured_content)

        portal = site._clients[0].portal
        assert portal is not None
        world.pages[key] = (200, portal.call(ask))
    return world.pages[key][1]


def mcp_home(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in mcp_text(world, viewer, "read_timeline", timeline="home")


def mcp_public(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in mcp_text(world, viewer, "read_timeline", timeline="public")


def mcp_thread(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in mcp_text(world, viewer, "read_thread",
                                          post_id=str(world.posts[visibility]))


def mcp_parent_thread(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in mcp_text(world, viewer, "read_thread",
                                          post_id=str(world.parent))


def mcp_search(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in mcp_text(world, viewer, "search", query=marker(visibility),
                                          kind="posts")


def mcp_notifications(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in mcp_text(world, viewer, "read_notifications")


def in_export(world: World, viewer: str, visibility: str) -> bool:
    """A dataset export is for whoever gets it: what it holds, anyone may read."""
    if world.exported is None:
        folder = Path(tempfile.mkdtemp(prefix="matrix-export-"))
        portal = world.site._clients[0].portal
        assert portal is not None
        portal.call(functools.partial(export, world.site.app.state.db, world.site.settings,
                                      folder))
        world.exported = every_byte(folder)
    return marker(visibility).encode() in world.exported


def mcp_post(world: World, viewer: str, visibility: str) -> bool:
    return marker(visibility) in mcp_text(world, viewer,
                                          f"salon://posts/{world.posts[visibility]}")


def signed_in(rule: Callable[[str, str], bool]) -> Callable[[str, str], bool]:
    """A rule for a place only someone with a token reaches (an assistant)."""
    return lambda viewer, visibility: viewer != "anonymous" and rule(viewer, visibility)


PLACES: dict[str, tuple[Place, Callable[[str, str], bool]]] = {
    "home": (home, on_home),
    "public": (public, listed),
    "tag": (tag, listed),
    "profile": (profile, may_see),
    "with_replies": (with_replies, may_see),
    "thread": (thread, may_see),
    "parent_thread": (parent_thread, may_see),
    "search": (search, may_see),
    "notifications": (notifications, notified),
    "post_link": (post_link, may_see),
    "history": (history, may_see),
    "actions": (actions, can_act),
    "explore": (explore, listed),
    "remixes": (remixes, may_see),
    "remix_form": (remix_form, can_act),
    "api_by_id": (api_by_id, may_see),
    "api_list": (api_list, on_list),
    "api_conversations": (api_conversations, in_conversation),
    "mcp_home": (mcp_home, on_home),
    "mcp_public": (mcp_public, signed_in(listed)),
    "mcp_thread": (mcp_thread, signed_in(may_see)),
    "mcp_parent_thread": (mcp_parent_thread, signed_in(may_see)),
    "mcp_search": (mcp_search, signed_in(may_see)),
    "mcp_notifications": (mcp_notifications, notified),
    "mcp_post": (mcp_post, signed_in(may_see)),
    "export": (in_export, lambda viewer, visibility: visibility == "public"),
}


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_visibility(world: World, viewer: str, visibility: str, place: str) -> None:
    look, rule = PLACES[place]
    expected = rule(viewer, visibility)
    assert look(world, viewer, visibility) is expected, (
        f"{viewer} {'should' if expected else 'must not'} see the {visibility} post on {place}"
    )


def test_the_world_is_what_the_matrix_assumes(world: World) -> None:
    """Guards against a matrix that passes because nothing rendered at all."""
    author = world.people["author"]
    page = author.get(f"/@author/{world.parent}").text
    for visibility in VISIBILITIES:
        assert marker(visibility) in page
    assert "zqparent" in world.people["stranger"].get(f"/@author/{world.parent}").text
    assert "zqparent" not in world.people["blocked"].get("/public").text
    assert "zqparent" in world.people["anonymous"].get("/public").text
    assert world.people["blocked"].get(f"/@author/{world.parent}").status_code == 404


# --- leaks after the fact: access that ends must end everywhere ------------------------------


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def test_notification_of_a_private_post_goes_when_the_follow_ends(site: CheckedSite) -> None:
    author, fan = site.user("author"), site.user("fan")
    fan.post("/@author/follow")
    fans = site.compose(fan, "fan", {"text": "fan writes"})
    site.compose(
        author,
        "author",
        {
            "text": "zqsecretreply for followers",
            "visibility": "private",
            "in_reply_to_id": str(fans),
        },
    )
    site.run_jobs()
    assert "zqsecretreply" in articles(fan.get("/notifications").text)
    fan.post("/@author/unfollow")
    site.run_jobs()
    for path in ("/notifications", "/home", f"/@fan/{fans}", "/@author", "/search?q=zqsecretreply"):
        assert "zqsecretreply" not in articles(fan.get(path).text), path


def test_notification_of_a_direct_post_goes_when_the_mention_is_edited_out(
    site: CheckedSite,
) -> None:
    author, friend = site.user("author"), site.user("friend")
    site.user("other")
    post_id = site.compose(
        author, "author", {"text": "@friend zqdirectnote", "visibility": "direct"}
    )
    site.run_jobs()
    assert "zqdirectnote" in articles(friend.get("/notifications").text)
    edited = author.post(f"/posts/{post_id}/edit", {"text": "@other zqdirectnote changed"})
    assert edited.status_code == 303
    site.run_jobs()
    assert friend.get(f"/@author/{post_id}").status_code == 404
    assert friend.get(f"/posts/{post_id}/history").status_code == 404
    assert "zqdirectnote" not in friend.get("/notifications").text
    assert "zqdirectnote" not in friend.get("/home").text
