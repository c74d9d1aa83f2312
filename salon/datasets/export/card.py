"""The dataset card (README.md, with the YAML header the Hugging Face hub and `datasets`
read: licence, sizes, tasks, and one config per part so each loads in one line) saying
where the data comes from, under what consent, over which dates, and what was left out and
why. Only counts and rules: nothing in it names or describes a person."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from salon.settings import Settings

PARTS = ("images", "preferences", "posts")
TASKS = ["text-to-image", "image-to-text", "text-generation"]
CONSENT = {
    "images": "generated pictures (with recipes) of people who allowed their generated "
              "pictures, and uploaded pictures of people who allowed their uploads",
    "preferences": "picks of people who allowed both their choices and their generated "
                   "pictures",
    "posts": "public posts of people who allowed their posts' text",
}
LEFT_OUT = [
    "everything of anyone who had not said yes to that kind when the export was made "
    "(consent is off until a person turns it on, kind by kind, and taking it back leaves "
    "them out of every later export)",
    "posts that are not public (unlisted, followers-only, direct), reposts, and posts "
    "since deleted",
    "pictures whose author hid the recipe, and all of that post's pictures",
    "suspended, disabled, unapproved and deleted accounts, and the instance's assistant",
    "names, handles, e-mail and IP addresses: authors are pseudonyms salted for this "
    "export alone, mentions in text read \"@user\", and pictures carry no metadata "
    "(recipes, C2PA, Exif are removed from the files; the recipe is in the columns)",
    "likes, reposts and replies of people who did not allow their choices or posts: "
    "counts include only those who did",
    "a remix's source and a reply's parent when that post is not in this export",
]


def size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if rows < limit:
            return name
    return "10M<n<100M"


def write(folder: Path, settings: Settings, *, name: str, since: datetime | None,
          until: datetime, counts: Mapping[str, int], skipped: Mapping[str, int]) -> None:
    configs = "".join(
        f"- config_name: {part}\n  data_files:\n  - split: train\n"
        f"    path: data/{part}/*.parquet\n"
        # An empty part has no files, and no config: `datasets` cannot load no rows.
        for part in PARTS if counts.get(part))
    header = (
        "---\n"
        f"license: {settings.dataset_license}\n"
        f"pretty_name: {json.dumps(name)}\n"
        f"size_categories:\n- {size_category(max(counts.values(), default=0))}\n"
        "task_categories:\n" + "".join(f"- {t}\n" for t in TASKS) +
        "tags:\n- consent\n- human-preferences\n- salon\n"
        f"configs:\n{configs}"
        "---\n")
    base = settings.base_url.rstrip("/")
    rows = "\n".join(f"| `{part}` | {counts.get(part, 0):,}"
                     f"{'' if counts.get(part) else ' (empty: not in this export)'} |"
                     for part in PARTS)
    loads = "\n".join(f'{part} = load_dataset("path/to/this/folder", "{part}", '
                      'split="train")' for part in PARTS if counts.get(part))
    dropped = "\n".join(f"- {why}: {n:,}" for why, n in sorted(skipped.items())) or "- none"
    body = f"""
# {name}

Pictures, picks and posts from [{settings.instance_name}]({base}), a Salon instance,
exported on {until:%Y-%m-%d %H:%M} UTC by its operator.

## Consent

Only people who said yes are in it. On Salon nothing is used for training unless its
author turns it on, separately for the text of their public posts, their generated
pictures, their uploaded pictures, and their choices (which candidates they posted over
the others, what they liked); each change is recorded with its time, and each person can
see which exports hold their data. This export holds, as consent stood when it was made:

{chr(10).join(f"- `{part}`: {CONSENT[part]}" for part in PARTS)}

## Dates

Items posted {f"after {since:%Y-%m-%d %H:%M} UTC" if since else "since the instance began"}
and up to {until:%Y-%m-%d %H:%M} UTC.

## Parts

| part | rows |
|---|---:|
{rows}

```python
from datasets import load_dataset
{loads}
```

- `images`: each posted picture (`image`) with its recipe (`prompt`, `negative_prompt`,
  `engine`, `model`, `seed`, `steps`, `guidance`, `width`, `height`, `style`,
  `remix_of`), `source` (generated or uploaded), `alt_text`, `like_count`, `posted_at`,
  and `author`, a pseudonym.
- `preferences`: a candidate its author posted against one of the same generation they
  did not, in TRL's shape (`prompt`, `chosen`, `rejected`) and Pick-a-Pic's (`caption`,
  `jpg_0`, `jpg_1`, `label_0`, `label_1`, `model_0`, `model_1`, `image_0_uid`,
  `image_1_uid`, `best_image_uid`, `user_id`, `created_at`); which side the chosen one is
  on is drawn per pair.
- `posts`: `id`, `text`, `language`, `in_reply_to_id`, `reply_count`, `repost_count`,
  `like_count`, `created_at`, `author`.

## What was left out, and why

{chr(10).join(f"- {rule}" for rule in LEFT_OUT)}

Items left out for another reason:
{dropped}

## Files

`manifest.json` lists every file with its size and SHA-256.
"""
    (folder / "README.md").write_text(header + body)
