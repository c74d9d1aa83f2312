"""docs/assistant.md stays true: every assistant setting is in its table with the default the
code has, its links and anchors lead somewhere, and README and docs/design.md link to it."""

from __future__ import annotations

import re
from pathlib import Path

from salon.assistant.models import AskState
from salon.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "assistant.md"
ROW = re.compile(r"^\| `(SALON_ASSISTANT_[A-Z_]+)` \| ([^|]+) \|", re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _shown(default: object) -> str:
    """A default as the table writes it."""
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if default == "":
        return "empty"
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    return f"`{default}`"


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the page's headings."""
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", markdown, re.M)}


def test_every_assistant_setting_is_documented_with_its_default() -> None:
    documented = dict(ROW.findall(PAGE.read_text("utf-8")))
    fields = {name: field for name, field in Settings.model_fields.items()
              if name.startswith("assistant_")}
    assert fields
    for name, field in fields.items():
        variable = f"SALON_{name.upper()}"
        assert variable in documented, f"{variable} is not in docs/assistant.md's table"
        assert documented[variable].strip() == _shown(field.default), variable
    assert set(documented) == {f"SALON_{name.upper()}" for name in fields}  # none gone


def test_the_page_names_every_state_and_its_links_lead_somewhere() -> None:
    page = PAGE.read_text("utf-8")
    for state in AskState:
        assert f"`{state.value}`" in page, state
    anchors = _anchors(page)
    for target in LINK.findall(page):
        if target.startswith("http"):
            continue
        path, _, anchor = target.partition("#")
        assert not path or (PAGE.parent / path).exists(), target
        if not path:
            assert anchor in anchors, target


def test_readme_and_the_design_link_to_it() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    design = (ROOT / "docs" / "design.md").read_text("utf-8")
    assert "(docs/assistant.md)" in readme and "docs/assistant.md#settings" in readme
    assert "(assistant.md)" in design and "The assistant" in design
    assert "settings" in _anchors(PAGE.read_text("utf-8"))
