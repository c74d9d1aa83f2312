"""The assistant in a real browser. Bob asks @muse under alice's post and sees "@muse is
thinking…" under his question, which becomes the answer without a reload; he asks it to
draw, and the picture answer arrives the same way; he remixes its picture; he mutes it from
its profile, its replies leave his home and the thread, and asking again gets no answer. A question
deleted while it waits takes its placeholder with it.

The server runs without its in-process worker, and a `salon worker` process (the
scale-out shape) runs only while the test lets the assistant work: so the placeholder is
there to be seen before each answer, and nothing waits on a clock.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import GUARD_MS, GUARD_S, eventually, person
from tests.conftest import _free_port, salon_serve, settings_for
from tests.databases import Databases, process_env

PLACEHOLDER = "div.ask-pending"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, databases: Databases
         ) -> Iterator[tuple[str, dict[str, str], Path]]:
    data = tmp_path_factory.mktemp("assistant-site")
    port = _free_port()
    database = databases.fresh(data)
    env = {**process_env(settings_for(data, database)), "SALON_WORKER_POLL_SECONDS": "0.1",
           "SALON_BASE_URL": f"http://127.0.0.1:{port}", "SALON_EMBEDDED_WORKER": "false"}
    try:
        with salon_serve(env, data / "server.log", port) as base:
            yield base, env, data
    finally:
        databases.drop(database)


@contextmanager
def working(env: dict[str, str], data: Path) -> Iterator[None]:
    """A `salon worker` process for the length of the block: the assistant (and fan-out)
    work only meanwhile. Stopped with SIGTERM: the jobs in hand finish first."""
    log = open(data / "worker.log", "a")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(Path(sys.executable).parent / "salon"), "worker"], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=GUARD_S)
        log.close()
        assert proc.returncode == 0, (data / "worker.log").read_text()[-2000:]


def _unreloaded(page: Any) -> None:
    page.evaluate("() => { window.__marker = 1; }")


def _same_page(page: Any) -> None:
    assert page.evaluate("() => window.__marker") == 1, "the page was reloaded"


def _by_muse(page: Any) -> Any:
    return page.locator("article.post", has=page.locator('a.who[href="/@muse"]'))


def _reply(page: Any, text: str) -> None:
    """Bob's reply from the thread's reply form; he lands on the thread again."""
    box = page.get_by_label("Post text")
    box.fill(box.input_value() + text)
    page.get_by_role("button", name="Reply", exact=True).click()
    page.wait_for_url(re.compile(r"/@alice/\d+#p\d+$"))


def test_asking_drawing_remixing_and_muting_the_assistant(
    site: tuple[str, dict[str, str], Path], browser: Any
) -> None:
    server, env, data = site
    problems: list[str] = []
    alice = person(browser, server, "alice", problems)
    bob = person(browser, server, "bob", problems)
    alice.get_by_label("Post text").fill("A quiet harbour at dawn")
    alice.get_by_role("button", name="Post", exact=True).click()
    alice.wait_for_url(re.compile(r"/home$"))

    bob.goto(server + "/@alice")
    bob.locator("article", has_text="A quiet harbour at dawn").locator("a.time").click()
    bob.wait_for_url(re.compile(r"/@alice/\d+$"))
    thread = bob.url

    # A question: the placeholder under it, then (the worker on) the answer in its place.
    _reply(bob, "@muse what is this?")
    question = bob.url.rsplit("#", 1)[1]
    waiting = bob.locator(PLACEHOLDER)
    expect(waiting).to_have_count(1, timeout=GUARD_MS)
    expect(bob.locator(f"#{question} + {PLACEHOLDER}")).to_have_text(
        re.compile(r"@muse is thinking…"), timeout=GUARD_MS)
    assert _by_muse(bob).count() == 0
    _unreloaded(bob)
    with working(env, data):
        expect(_by_muse(bob)).to_have_count(1, timeout=GUARD_MS)
    expect(waiting).to_have_count(0, timeout=GUARD_MS)
    answer = _by_muse(bob).first
    expect(answer.locator(".ai-label")).to_have_text("AI", timeout=GUARD_MS)
    expect(answer).to_contain_text("@bob", timeout=GUARD_MS)
    _same_page(bob)

    # Drawing: the picture answer arrives the same way.
    bob.goto(thread)
    _reply(bob, "@muse draw a lighthouse in a storm")
    expect(bob.locator(PLACEHOLDER)).to_contain_text("@muse is thinking…", timeout=GUARD_MS)
    _unreloaded(bob)
    with working(env, data):
        drawn = _by_muse(bob).filter(has=bob.locator(".media img"))
        expect(drawn).to_have_count(1, timeout=GUARD_MS)
        expect(bob.locator(PLACEHOLDER)).to_have_count(0, timeout=GUARD_MS)
        _same_page(bob)
        expect(drawn.locator(".made .ai-label")).to_have_count(1, timeout=GUARD_MS)

        # Its picture's recipe fills the imagine page: Remix.
        drawn.get_by_role("link", name=re.compile(r"^Remix")).first.click()
        bob.wait_for_url(re.compile(r"/imagine\?remix_of=\d+$"))
        assert "lighthouse" in bob.get_by_label("Prompt", exact=True).input_value()
        assert "Remixing" in bob.locator(".remix-note").inner_text()

        # Followed, its replies reach bob's home; muted, they leave it.
        bob.goto(server + "/@muse")
        profile = bob.get_by_role("main")
        automated = profile.locator(".pill", has_text="Automated account")
        expect(automated).to_be_visible(timeout=GUARD_MS)
        expect(profile.locator(".bio")).to_contain_text("Mute or block me", timeout=GUARD_MS)
        profile.get_by_role("button", name="Follow", exact=True).click()
        profile.get_by_role("button", name="Unfollow @muse").wait_for()
        eventually(bob, server + "/home", '-by" href="/@muse"')
        bob.goto(server + "/@muse")
        bob.locator('summary[aria-label="More for @muse"]').click()
        bob.get_by_role("button", name="Mute @muse").click()
        muted = bob.get_by_role("main").locator(".pill", has_text="Muted")
        expect(muted).to_be_visible(timeout=GUARD_MS)
    bob.goto(server + "/home")
    assert _by_muse(bob).count() == 0

    # Muted, it never answers, so it is not shown thinking, and no reply comes: alice,
    # asking after bob, gets her answer, and still sees only the two answers bob had.
    alice.goto(thread)
    to_bob = _by_muse(alice).filter(has_text="@bob")
    expect(to_bob).to_have_count(2, timeout=GUARD_MS)
    bob.goto(thread)
    assert _by_muse(bob).count() == 0  # a thread leaves out what one muted
    _reply(bob, "@muse are you there?")
    expect(bob.locator("article", has_text="are you there?")).to_have_count(1, timeout=GUARD_MS)
    expect(bob.locator(PLACEHOLDER)).to_have_count(0, timeout=GUARD_MS)
    with working(env, data):
        _reply(alice, "@muse what is this?")
        expect(_by_muse(alice).filter(has_text="@alice")).to_have_count(1, timeout=GUARD_MS)
    alice.reload()
    expect(_by_muse(alice).filter(has_text="@alice")).to_have_count(1, timeout=GUARD_MS)
    assert to_bob.count() == 2

    # A question deleted in another tab while it waits: its placeholder goes quietly.
    bob.goto(server + "/@muse")
    bob.locator('summary[aria-label="More for @muse"]').click()
    bob.get_by_role("button", name="Unmute @muse").click()
    expect(bob.get_by_role("main").locator(".pill", has_text="Muted")).to_have_count(
        0, timeout=GUARD_MS)
    bob.goto(thread)
    _reply(bob, "@muse never mind")
    expect(bob.locator(PLACEHOLDER)).to_have_count(1, timeout=GUARD_MS)
    other = bob.context.new_page()
    other.on("dialog", lambda dialog: dialog.accept())
    other.goto(thread)
    mine = other.locator("article", has_text="never mind")
    mine.locator('summary[aria-label="More actions"]').click()
    mine.get_by_role("button", name="Delete").click()
    other.wait_for_url(re.compile(r"/@bob$"))
    expect(bob.locator(PLACEHOLDER)).to_have_count(0, timeout=GUARD_MS)
    expect(bob.locator("#flash")).to_be_empty()
    # Only the 404 that said so (the browser and htmx each report it).
    assert all("404" in p for p in problems), problems
