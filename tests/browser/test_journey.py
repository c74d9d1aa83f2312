"""The main path in a real browser: sign up, post with an image, follow, see the post in the
follower's home timeline, like, reply, and the author is notified."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image

from tests.browser.helpers import PASSWORD, eventually, person


def _png(path: Any) -> str:
    image = Image.new("RGB", (320, 200), (200, 80, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_sign_up_post_follow_like_reply(server: str, browser: Any, tmp_path: Any) -> None:
    problems: list[str] = []
    alice = person(browser, server, "alice", problems)
    bob = person(browser, server, "bob", problems)

    bob.goto(server + "/@alice")
    bob.get_by_role("button", name="Follow").click()
    bob.get_by_role("button", name=re.compile("Unfollow @alice")).wait_for()

    alice.goto(server + "/home")
    alice.get_by_label("Post text").fill("First light over the harbour #sunrise")
    alice.locator("summary", has_text="Images").click()
    alice.locator("#image_0").set_input_files(_png(tmp_path / "harbour.png"))
    alice.locator("#alt_0").fill("An orange rectangle standing in for a harbour")
    alice.get_by_role("button", name="Post", exact=True).click()
    alice.wait_for_url(re.compile(r"/home$"))
    post = alice.locator("article", has_text="First light over the harbour")
    post.first.wait_for()
    assert post.first.get_by_role("img", name="An orange rectangle").count() == 1

    eventually(bob, server + "/home", "First light over the harbour")
    article = bob.locator("article", has_text="First light over the harbour").first
    like = article.get_by_role("button", name=re.compile(r"^Like"))
    like.click()
    article.locator("button.like[aria-pressed='true']").wait_for()

    article.get_by_role("link", name=re.compile(r"^Reply")).click()
    bob.wait_for_url(re.compile(r"/compose\?in_reply_to_id=\d+"))
    bob.get_by_label("Post text").fill("@alice Gorgeous colours!")
    bob.get_by_role("button", name="Reply", exact=True).click()
    bob.wait_for_url(re.compile(r"/@alice/\d+#p\d+$"))
    assert bob.locator("article", has_text="Gorgeous colours!").count() == 1
    assert bob.locator("article", has_text="First light over the harbour").count() == 1

    eventually(alice, server + "/notifications", "replied to your post")
    text = alice.content()
    assert "liked your post" in text and "followed you" in text
    assert not problems, problems


def test_reading_works_without_javascript(server: str, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/public")
    assert page.get_by_role("heading", name="Latest").count() == 1
    page.goto(server + "/signup")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/home$"))
    page.get_by_label("Post text").fill("Posted without any JavaScript")
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url(re.compile(r"/home$"))
    assert page.locator("article", has_text="Posted without any JavaScript").count() == 1
    context.close()

    # A visitor's like is a link saying so, that leads back to the post after logging in.
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/public")
    post = page.locator("article", has_text="Posted without any JavaScript")
    post.get_by_role("link", name=re.compile(r"^Log in to like")).click()
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/@carol/\d+$"))
    assert page.get_by_role("button", name=re.compile(r"^Like")).count() >= 1
    context.close()
