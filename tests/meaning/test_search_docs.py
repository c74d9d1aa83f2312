"""docs/search.md stays true: each search setting is in its table with the code's default,
the fusion constant it explains is the code's, and README links to it."""

from __future__ import annotations

import re
from pathlib import Path

from salon.meaning import search
from salon.settings import Settings

ROOT = Path(__file__).parent.parent.parent
DOC = (ROOT / "docs" / "search.md").read_text()


def test_every_search_setting_is_documented_with_its_default() -> None:
    fields = [name for name in Settings.model_fields if name.startswith("search_")]
    assert fields
    for name in fields:
        variable = f"SALON_{name.upper()}"
        row = re.search(rf"^\| `{variable}` \| `([^`]*)` \|", DOC, re.MULTILINE)
        assert row, f"{variable} is not in docs/search.md's table"
        assert row.group(1) == str(Settings.model_fields[name].default), variable


def test_the_fusion_is_described_as_built_and_linked() -> None:
    assert f"1 / ({search.RRF_K} + rank)" in DOC
    assert "(docs/search.md)" in (ROOT / "README.md").read_text()
