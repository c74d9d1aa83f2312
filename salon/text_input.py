"""The one rule for text people send, shared by the API's typed parameters and the web forms:
no NUL anywhere (PostgreSQL refuses it in text, which was a 500), no other control
characters (line breaks and tabs only where the field is multi-line), and no bidi overrides
or isolates (U+202A-U+202E, U+2066-U+2069), which make a name read as something else."""

from __future__ import annotations

import re

from salon.errors import Invalid

_BIDI = "\u202a-\u202e\u2066-\u2069"
# C0 controls and DEL; a multi-line field keeps \t, \n and \r (browsers send \r\n).
_SINGLE_LINE = re.compile(f"[\x00-\x1f\x7f{_BIDI}]")
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{_BIDI}]")


def accepted_pattern(*, multiline: bool = False) -> str:
    """The rule as a JSON Schema pattern of the text accepted, for /openapi.json."""
    refused = (_MULTI_LINE if multiline else _SINGLE_LINE).pattern
    return f"^[^{refused[1:-1]}]*$"


def clean_text(value: str, field: str, *, multiline: bool = False) -> str:
    """`value` as is, or Invalid (422) naming `field` and the first character refused."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(value)
    if found is not None:
        kind = "line breaks or control characters" if not multiline else "control characters"
        raise Invalid(f"{field} must not contain {kind} "
                      f"(found U+{ord(found.group()):04X}).", field)
    return value
