"""Post text: counting as Mastodon counts, and turning plain text into safe HTML in which
@mentions, #hashtags and links are links. Nothing a person types is ever emitted as HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import nh3

URL_LENGTH = 23  # every link counts as 23 characters, whatever its length
URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
MENTION_RE = re.compile(r"(?<![\w/@])@([A-Za-z0-9_]{1,30})(?:@([A-Za-z0-9.-]+\.[A-Za-z]{2,}))?")
TAG_RE = re.compile(r"(?<![\w/&#])#(\w{1,100})")
TRAILING = ".,;:!?)]}'\""
TOKEN_RE = re.compile(
    f"(?P<url>{URL_RE.pattern})|(?P<mention>{MENTION_RE.pattern})|(?P<tag>{TAG_RE.pattern})",
    re.IGNORECASE,
)


@dataclass
class Rendered:
    html: str
    mentions: list[str] = field(default_factory=list)  # username keys, in order, unique
    tags: list[str] = field(default_factory=list)  # as typed (case kept), unique by key


def _strip_trailing(url: str) -> tuple[str, str]:
    # One pass with running counts: recounting and re-slicing per character was quadratic
    # ("http://a" + ")" * 120000 took seconds).
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end and url[end - 1] in TRAILING:
        if url[end - 1] == ")":
            # Keep a closing parenthesis that balances one inside the link (Wikipedia links).
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return url[:end], url[end:]


def is_tag(name: str) -> bool:
    return not name.isdigit() and not name.startswith("_")


def count(text: str) -> int:
    """Characters as Mastodon counts them: a link is 23, @user@domain counts as @user."""
    total = 0
    pos = 0
    for match in TOKEN_RE.finditer(text):
        total += len(text[pos : match.start()])
        if match.group("url"):
            url, rest = _strip_trailing(match.group("url"))
            total += URL_LENGTH + len(rest)
        elif match.group("mention"):
            total += 1 + len(match.group(3))
        else:
            total += len(match.group(0))
        pos = match.end()
    return total + len(text[pos:])


def mentioned_usernames(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text):
        if not match.group(2):  # local accounts only until federation arrives
            seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def _paragraphs(body: str) -> str:
    blocks = [b for b in re.split(r"\n{2,}", body.strip()) if b.strip()]
    return "".join(f"<p>{b.strip().replace(chr(10), '<br>')}</p>" for b in blocks)


def render(text: str, accounts: Mapping[str, str] | None = None) -> Rendered:
    """Safe HTML for `text`. `accounts` maps username keys to usernames that exist; mentions
    of anyone else stay plain text."""
    accounts = accounts or {}
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    mentions: dict[str, None] = {}
    tags: dict[str, str] = {}
    pos = 0
    for match in TOKEN_RE.finditer(text):
        out.append(html.escape(text[pos : match.start()], quote=False))
        pos = match.end()
        if match.group("url"):
            url, rest = _strip_trailing(match.group("url"))
            shown = re.sub(r"^https?://(www\.)?", "", url, flags=re.IGNORECASE)
            if len(shown) > 30:
                shown = shown[:29] + "…"
            out.append(
                f'<a href="{html.escape(url)}" rel="nofollow noopener noreferrer" '
                f'target="_blank">{html.escape(shown)}</a>{html.escape(rest, quote=False)}'
            )
        elif match.group("mention"):
            key = match.group(3).lower()
            if match.group(4) is None and key in accounts:
                mentions.setdefault(key, None)
                name = accounts[key]
                out.append(f'<a href="/@{name}" class="mention">@{name}</a>')
            else:
                out.append(html.escape(match.group(0), quote=False))
        else:
            name = match.group("tag")[1:]
            if is_tag(name):
                tags.setdefault(name.lower(), name)
                out.append(f'<a href="/tags/{name.lower()}" class="hashtag">#{name}</a>')
            else:
                out.append(html.escape(match.group(0), quote=False))
    out.append(html.escape(text[pos:], quote=False))
    return Rendered(
        html=sanitize(_paragraphs("".join(out))), mentions=list(mentions), tags=list(tags.values())
    )


def sanitize(markup: str) -> str:
    """Defence in depth: whatever reaches a page passes an allow-list sanitizer."""
    return nh3.clean(
        markup,
        tags={"p", "br", "a"},
        attributes={"a": {"href", "class", "target"}},
        link_rel="nofollow noopener noreferrer",
        url_schemes={"http", "https"},
    )


def plain(markup: str) -> str:
    """Text without tags, for excerpts and search."""
    # A tag cannot contain "<": each attempt stops at the next one, so a run of "<" is linear.
    return " ".join(html.unescape(re.sub(r"<[^<>]*>", " ", markup)).split())
