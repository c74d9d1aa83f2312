"""Issue 20 in a real browser against `salon serve`: a person opts in to their posts being
used for training in Settings → Training data; the operator's `salon dataset export` (the
command, on the same site) then holds their post, which `datasets` loads; My data in
datasets shows that export. They opt out: the next export holds nothing of theirs, and the
page still lists only the first."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import datasets as hf
import pytest

from tests.browser.helpers import person
from tests.conftest import real_site
from tests.databases import Databases

TEXT = "zqtraining a lighthouse keeper's notes"


@pytest.fixture(scope="module")
def site_env(tmp_path_factory: pytest.TempPathFactory, databases: Databases
             ) -> Iterator[tuple[str, dict[str, str]]]:
    with real_site(tmp_path_factory, databases) as found:
        yield found


def export(env: dict[str, str], folder: Path, name: str) -> str:
    done = subprocess.run([str(Path(sys.executable).parent / "salon"), "dataset", "export",
                           str(folder), "--name", name], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def consent_box(page: Any) -> Any:
    return page.get_by_label(re.compile(r"The text of my public posts may be used"))


def test_opting_in_and_out_shows_in_the_next_export_and_in_my_data(
        site_env: tuple[str, dict[str, str]], browser: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    base, env = site_env
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    problems: list[str] = []
    ada = person(browser, base, "ada", problems)
    ada.get_by_label("Post text").fill(TEXT)
    ada.get_by_role("button", name="Post", exact=True).click()
    ada.locator("article", has_text=TEXT).first.wait_for()

    ada.goto(base + "/settings/data")
    assert not consent_box(ada).is_checked()  # off until given
    assert ada.get_by_text("No export holds anything of yours").is_visible()
    consent_box(ada).check()
    ada.get_by_role("button", name="Save").click()
    ada.get_by_role("status").filter(has_text="Saved").wait_for()
    assert consent_box(ada).is_checked()

    said = export(env, tmp_path / "first", "First set")
    assert "1 posts" in said and "items/s" in said
    posts = hf.load_dataset(str(tmp_path / "first"), "posts", split="train",
                            cache_dir=str(tmp_path / "cache-first"))
    assert [row["text"] for row in posts] == [TEXT]

    ada.reload()
    listed = ada.locator("#datasets ~ ul li", has_text="First set")
    listed.wait_for()
    assert "1 posts" in listed.inner_text()

    consent_box(ada).uncheck()
    ada.get_by_role("button", name="Save").click()
    ada.get_by_role("status").filter(has_text="Saved").wait_for()
    assert not consent_box(ada).is_checked()
    assert ada.get_by_text("The text of my public posts: no").is_visible()  # kept, timed

    said = export(env, tmp_path / "second", "Second set")
    assert "0 posts" in said
    assert TEXT not in (tmp_path / "second" / "README.md").read_text()
    assert not list((tmp_path / "second").glob("data/posts/*.parquet"))
    ada.reload()
    assert ada.locator("#datasets ~ ul li", has_text="First set").count() == 1
    assert ada.locator("#datasets ~ ul li", has_text="Second set").count() == 0
    assert not problems, problems
