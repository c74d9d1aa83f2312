"""`salon dataset export`: its three parts load with Hugging Face `datasets` in one line
each, with the features trainers expect; only what people consented to is in any file; the
card and manifest say what the files are; "My data in datasets" counts what each export
holds of a person; an export goes on where it stopped, and --since adds only what is new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets as hf
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from salon.cli import main
from salon.datasets import service as consent
from salon.datasets.export import files, parts
from salon.datasets.export.run import export
from salon.db.ids import utcnow
from salon.db.session import Database
from salon.jobs.worker import Worker
from salon.posts import service as posts
from salon.settings import Settings
from tests.conftest import People
from tests.databases import process_env
from tests.datasets.population import populate

EVERYTHING = {"posts": True, "generated": True, "uploads": True, "choices": True}


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def load(folder: Path, part: str) -> Any:
    """As a trainer loads a part (with a cache of the test's own: `datasets` would reuse
    one made from an earlier run's files at the same path)."""
    return hf.load_dataset(str(folder), part, split="train",
                           cache_dir=str(folder.parent / f"{folder.name}-cache"))


def rows(folder: Path, part: str) -> list[dict[str, Any]]:
    return [row for shard in sorted((folder / "data" / part).glob("*.parquet"))
            for row in pq.read_table(shard).to_pylist()]


async def test_each_part_loads_in_one_line_with_its_features(
        session: AsyncSession, settings: Settings, worker: Worker, people: People,
        db: Database, tmp_path: Path) -> None:
    ada, bob = await populate(session, settings, worker, people, ["ada", "bob"])
    await consent.set_consent(session, ada.account.id, EVERYTHING)
    await consent.set_consent(session, bob.account.id, {"posts": True})
    await session.commit()
    folder = tmp_path / "export"
    done = await export(db, settings, folder, name="Test set")
    # Pairs: the posted candidate against the one left (the third went out with its recipe
    # hidden); posts: each one's public ones, the one whose pictures' recipe is hidden too.
    assert done.counts == {"images": 2, "preferences": 1, "posts": 7}

    images = load(folder, "images")
    assert isinstance(images.features["image"], hf.Image)
    assert images.features["prompt"] == hf.Value("string")
    assert images.features["seed"] == hf.Value("int64")
    assert images.features["guidance"] == hf.Value("float64")
    by_source = {row["source"]: row for row in images}
    picture = by_source["generated"]["image"]
    assert isinstance(picture, Image.Image) and picture.width > 0
    assert not {"parameters", "c2pa", "exif", "xmp"} & set(picture.info)  # no metadata
    assert by_source["generated"]["prompt"] == "a lighthouse mk0q-prompt"
    assert by_source["uploaded"]["alt_text"] == "alt mk0q-alt"
    assert by_source["uploaded"]["prompt"] is None

    pairs = load(folder, "preferences")
    for name in ("chosen", "rejected", "jpg_0", "jpg_1"):
        assert isinstance(pairs.features[name], hf.Image)
    assert pairs.features["label_0"] == hf.Value("float64")
    for pair in pairs:
        assert {pair["label_0"], pair["label_1"]} == {0.0, 1.0}
        best = pair["image_0_uid"] if pair["label_0"] == 1.0 else pair["image_1_uid"]
        assert best == pair["best_image_uid"] == str(ada.generated_ids[0])
        assert pair["caption"] == pair["prompt"] == "a lighthouse mk0q-prompt"

    texts = load(folder, "posts")
    assert texts.features["text"] == hf.Value("string")
    said = {row["id"]: row for row in texts}
    reply = said[str(bob.post_ids[2])]
    assert reply["text"] == "@user hello mk1q-text"  # no handle names anyone
    assert reply["in_reply_to_id"] == str(ada.post_ids[0])
    assert said[str(ada.post_ids[0])]["like_count"] == 0  # bob's like: not his to give
    assert said[str(ada.post_ids[0])]["reply_count"] == 1
    assert len({row["author"] for row in texts}) == 2  # pseudonyms, one each

    card = (folder / "README.md").read_text()
    assert card.startswith("---\nlicense: other\n") and "size_categories:\n- n<1K" in card
    assert "config_name: preferences" in card and "Consent" in card
    assert "mk0q" not in card and "mk1q" not in card and "@ada" not in card
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) >= {"README.md", "data/images/00000.parquet"}
    for name, entry in manifest["files"].items():
        assert files.sha256(folder / name) == entry["sha256"]
    assert not (folder / ".export-state.json").exists()

    # What each person is shown in "My data in datasets".
    [held] = await consent.inclusions(session, ada.account.id)
    assert held.export.name == "Test set"
    assert held.counts == {"choices": 1, "generated": 1, "posts": 3, "uploads": 1}
    assert (await consent.inclusions(session, bob.account.id))[0].counts == {"posts": 4}


async def test_an_export_goes_on_where_it_stopped_and_since_adds_only_new_items(
        session: AsyncSession, settings: Settings, worker: Worker, people: People,
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [ada] = await populate(session, settings, worker, people, ["ada"])
    await consent.set_consent(session, ada.account.id, EVERYTHING)
    await session.commit()
    folder = tmp_path / "resumed"
    stopped = RuntimeError("the machine went down")
    real = files.write_shard
    calls = {"n": 0}

    def crash_on_second(*args: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise stopped
        return real(*args)

    monkeypatch.setattr(files, "write_shard", crash_on_second)
    with pytest.raises(RuntimeError):
        await export(db, settings, folder)
    assert (folder / ".export-state.json").exists()
    monkeypatch.setattr(files, "write_shard", real)
    # Taken back while the export was stopped: the picture already written goes.
    await consent.set_consent(session, ada.account.id, {"generated": False})
    await session.commit()
    # And it stops again while finishing (hashing files for the manifest): once more.
    hashing = files.write_manifest
    monkeypatch.setattr(files, "write_manifest", lambda folder: (_ for _ in ()).throw(
        RuntimeError("stopped while hashing")))
    with pytest.raises(RuntimeError):
        await export(db, settings, folder)
    monkeypatch.setattr(files, "write_manifest", hashing)
    again = await export(db, settings, folder)
    assert again.resumed and again.counts == {"images": 1, "preferences": 0, "posts": 3}
    assert [r["source"] for r in rows(folder, "images")] == ["uploaded"]
    [recorded] = await consent.inclusions(session, ada.account.id)  # recorded once
    assert recorded.counts == {"posts": 3, "uploads": 1}
    await consent.set_consent(session, ada.account.id, {"generated": True})
    await session.commit()

    later = await posts.create_post(session, ada.account, "New since mk0q")
    await session.commit()
    newer = tmp_path / "newer"
    added = await export(db, settings, newer, since="last")
    assert added.counts == {"images": 0, "preferences": 0, "posts": 1}
    assert [r["id"] for r in rows(newer, "posts")] == [str(later.id)]
    card = (newer / "README.md").read_text()
    assert "| `images` | 0 (empty: not in this export) |" in card
    assert "config_name: posts" in card and "config_name: images" not in card
    assert load(newer, "posts").num_rows == 1


def test_the_command_refuses_a_folder_in_use_and_reports_throughput(
        settings: Settings, tmp_path: Path) -> None:
    env = process_env(settings)
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    refused = CliRunner().invoke(main, ["dataset", "export", str(used)], env=env)
    assert refused.exit_code == 1 and "is not empty" in refused.output
    bad = CliRunner().invoke(main, ["dataset", "export", str(tmp_path / "x"), "--since",
                                    "yesterday"], env=env)
    assert bad.exit_code == 2 and "--since" in bad.output
    made = CliRunner().invoke(main, ["dataset", "export", str(tmp_path / "out")], env=env)
    assert made.exit_code == 0, made.output
    assert "items/s" in made.output and "MB/s" in made.output


async def test_what_stops_qualifying_while_an_export_runs_is_taken_out(
        session: AsyncSession, settings: Settings, worker: Worker, people: People,
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written, then no longer allowed before the export finishes: a suspended account's
    rows go, and so do a deleted post's picture and the pick made on it."""
    ada, bob = await populate(session, settings, worker, people, ["ada", "bob"])
    for person in (ada, bob):
        await consent.set_consent(session, person.account.id, EVERYTHING)
    await session.commit()
    folder = tmp_path / "changing"
    real = files.write_shard
    calls = {"n": 0}

    def stop_after_images(*args: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 3:  # images and preferences written; posts next
            raise RuntimeError("stopped")
        return real(*args)

    monkeypatch.setattr(files, "write_shard", stop_after_images)
    with pytest.raises(RuntimeError):
        await export(db, settings, folder)
    monkeypatch.setattr(files, "write_shard", real)
    await posts.delete_post(session, ada.account, ada.post_ids[0])  # bob replied to it
    bob.account.suspended_at = utcnow()
    await session.commit()
    done = await export(db, settings, folder)
    assert {r["source"] for r in rows(folder, "images")} == {"uploaded"}  # ada's upload
    assert done.counts["preferences"] == 0  # ada's pick was on the deleted post
    assert {r["id"] for r in rows(folder, "posts")} == {str(ada.public_text_ids[0]),
                                                        str(ada.post_ids[1])}


def test_handles_are_taken_out_of_every_text() -> None:
    assert parts.unnamed("for @bob and @carol@other.example, see "
                         "https://salon.example/@dave/123") == (
        "for @user and @user, see https://salon.example/@user/123")
    assert parts.unnamed(None) is None and parts.unnamed("") == ""
