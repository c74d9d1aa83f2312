"""The assistant through the client API, with Mastodon.py, unmodified, against a running Salon
(`salon serve`, its built-in worker and the builtin text engine): a question under a post
and a drawing are answered as replies in the thread, with a mention notification; the
asker's stream hears each ask move on; the drawn picture is remixed through Salon's API;
muted or blocked, the assistant answers nothing."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from mastodon import Mastodon, StreamListener

from tests.api.mastodon.test_mastodon_py import _png

SCOPES = ["read", "write", "follow"]
PASSWORD = "correct horse battery"
WAIT_S = 60  # a last resort: the server's worker is quick, the machine may not be


class Asks(StreamListener):
    """The asker's stream: each `salon.assistant` event (the ask as its asker sees it)."""

    def __init__(self) -> None:
        super().__init__()
        self.heard: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def on_salon_assistant(self, ask: dict[str, Any]) -> None:
        with self.lock:
            self.heard.append(dict(ask))

    def finished(self, question_id: str) -> dict[str, Any]:
        """The ask of this question once it has finished (waits for it)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            with self.lock:
                done = [a for a in self.heard if a["question_id"] == str(question_id)
                        and a["state"] in ("answered", "refused", "failed")]
            if done:
                assert len(done) == 1, done
                return done[0]
            assert time.monotonic() < deadline, f"no end heard: {self.heard}"
            time.sleep(0.1)


def _eventually(fn: Any) -> Any:
    deadline = time.monotonic() + WAIT_S
    while not (result := fn()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.2)
    return result


def _person(server: str, app: tuple[str, str], username: str) -> Mastodon:
    person = Mastodon(client_id=app[0], client_secret=app[1], api_base_url=server)
    person.create_account(username, PASSWORD, f"{username}@example.com", agreement=True,
                          scopes=SCOPES)
    return person


def _salon(server: str, person: Mastodon, method: str, path: str, **kwargs: Any) -> Any:
    """Salon's own API (not in Mastodon.py), with the person's token."""
    answer = httpx.request(method, server + path, timeout=30, **kwargs,
                           headers={"Authorization": f"Bearer {person.access_token}"})
    assert answer.status_code < 300, answer.text
    return answer.json()


def _remix(server: str, person: Mastodon, status_id: str, prompt: str) -> str:
    """A picture remixed from the status through Salon's API, once drawn: its media id."""
    made = _salon(server, person, "POST", "/api/v1/salon/generations",
                  json={"prompt": prompt, "count": 1, "remix_of": status_id})
    assert made["remix_of"] == str(status_id)
    deadline = time.monotonic() + WAIT_S
    while (done := _salon(server, person, "GET",
                          f"/api/v1/salon/generations/{made['id']}"))["state"] != "succeeded":
        assert done["state"] in ("queued", "running") and time.monotonic() < deadline, done
        time.sleep(0.2)
    media_id: str = done["candidates"][0]["id"]
    return media_id


def _answer_in_thread(person: Mastodon, question: Any, ask: dict[str, Any],
                      muse: str) -> Any:
    """The assistant's answer as the thread shows it to the asker: the only reply."""
    assert ask["state"] == "answered" and ask["answer_id"] is not None, ask
    below = person.status_context(question["id"])["descendants"]
    assert [str(s["id"]) for s in below] == [ask["answer_id"]]
    answer = below[0]
    assert answer["account"]["acct"] == muse
    assert str(answer["in_reply_to_id"]) == str(question["id"])
    assert answer["visibility"] == "unlisted"  # a public question: an unlisted answer
    assert [m["acct"] for m in answer["mentions"]] == [person.me()["acct"]]
    assert answer["account"]["bot"] is True  # an automated account, as apps show it
    return answer


def test_asking_drawing_remixing_then_muting_and_blocking(server: str) -> None:
    app = Mastodon.create_app("Assistant test", api_base_url=server, scopes=SCOPES)
    alice, bob = _person(server, app, "kiteflyer"), _person(server, app, "curiousbob")
    picture = alice.media_post(_png(), mime_type="image/png", description="a blue kite")
    art = alice.status_post("My kite, finally", media_ids=[picture["id"]])
    muse = bob.account_lookup("muse")
    asks = Asks()
    stream = bob.stream_user(asks, run_async=True, reconnect_async=False)
    try:
        time.sleep(1)  # let the stream connect
        # A question under a post: answered in the thread, and bob is told.
        question = bob.status_post("@muse what is this?", in_reply_to_id=art["id"])
        answer = _answer_in_thread(bob, question, asks.finished(question["id"]), "muse")
        assert str(answer["account"]["id"]) == str(muse["id"])
        told = _eventually(lambda: bob.notifications(types=["mention"]))
        assert [(n["account"]["acct"], str(n["status"]["id"])) for n in told] == [
            ("muse", str(answer["id"]))]
        heard = [a["state"] for a in asks.heard if a["question_id"] == str(question["id"])]
        assert heard[0] == "thinking" and heard[-1] == "answered"

        # A drawing: the picture comes as the reply's attachment, with its recipe.
        wish = bob.status_post("@muse draw a lighthouse in a storm")
        drawn = _answer_in_thread(bob, wish, asks.finished(wish["id"]), "muse")
        assert len(drawn["media_attachments"]) == 1
        assert drawn["media_attachments"][0]["type"] == "image"
        assert "lighthouse" in drawn["salon"]["recipe"]["prompt"]
        _eventually(lambda: len(bob.notifications(types=["mention"])) == 2)

        # Remixed through Salon's API: the new post is a remix of the answer.
        media_id = _remix(server, bob, drawn["id"], "a lighthouse in a storm at dawn")
        remix = bob.status_post("my take on it", media_ids=[media_id])
        assert remix["salon"]["remix_of"] == str(drawn["id"])
        assert _salon(server, bob, "GET",
                      f"/api/v1/statuses/{drawn['id']}")["salon"]["remixes_count"] == 1

        # Muted, it answers nothing; unmuted, it answers again; blocked, nothing.
        assert bob.account_mute(muse["id"])["muting"] is True
        hushed = bob.status_post("@muse what is this?", in_reply_to_id=art["id"])
        ask = asks.finished(hushed["id"])
        assert (ask["state"], ask["answer_id"]) == ("refused", None)
        assert bob.status_context(hushed["id"])["descendants"] == []
        bob.account_unmute(muse["id"])
        again = bob.status_post("@muse who made this?", in_reply_to_id=art["id"])
        _answer_in_thread(bob, again, asks.finished(again["id"]), "muse")
        # Three mentions: the muted question got none.
        _eventually(lambda: len(bob.notifications(types=["mention"])) == 3)
        assert bob.account_block(muse["id"])["blocking"] is True
        shut = bob.status_post("@muse draw a cat", in_reply_to_id=art["id"])
        ask = asks.finished(shut["id"])
        assert (ask["state"], ask["answer_id"], ask["generation_id"]) == (
            "refused", None, None)
        assert bob.status_context(shut["id"])["descendants"] == []
    finally:
        stream.close()
