"""Why a post is in For You, in words, from the same features that scored it.

A reason names only what the person may see: followed accounts they do not hide (and who
are not suspended) that liked or reposted a public post, the author of the post itself, a
public tag, and their own history item only when it is a public post they may still see
(else "posts you liked"). Kept rankings keep the ids a reason names, and `still_true`
drops to the unnamed wording when one of them is hidden since."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from salon.accounts.models import Account
from salon.feeds.scoring import Scored
from salon.posts.models import Post

EXCERPT_WORDS = 6
EXCERPT_CHARS = 60


@dataclass
class Reason:
    kind: str  # social | similar | more | in_network | affinity | popular | new_voice | recent
    text: str
    names: list[int] = field(default_factory=list)  # accounts the text names
    post: int | None = None  # the history post the text names

    def entity(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}

    def kept(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "names": self.names, "post": self.post}

    @classmethod
    def from_kept(cls, raw: dict[str, Any]) -> Reason:
        return cls(str(raw["kind"]), str(raw["text"]), [int(i) for i in raw.get("names", [])],
                   raw.get("post"))


VERBS = {"liked": "liked", "reposted": "reposted", "remixed": "remixed", "posted": "posted"}
UNNAMED = {
    "social": "liked by people you follow",
    "similar": "like posts you liked",
    "affinity": "from someone whose posts you like",
    "in_network": "from someone you follow",
    "new_voice": "new here",
}


def excerpt(post: Post) -> str:
    """The start of a post's text, as a short quotation."""
    words = re.sub(r"\s+", " ", post.text or post.spoiler_text).strip().split(" ")
    text = " ".join(words[:EXCERPT_WORDS])[:EXCERPT_CHARS]
    return text + ("…" if len(words) > EXCERPT_WORDS or len(text) == EXCERPT_CHARS else "")


_EXCERPTS: dict[tuple[int, object], str] = {}


def _excerpt(post: Post) -> str:
    """`excerpt`, remembered per post and edit: a page's reasons quote the same few
    history posts again and again."""
    key = (post.id, post.edited_at)
    if key not in _EXCERPTS:
        if len(_EXCERPTS) > 10_000:
            _EXCERPTS.clear()
        _EXCERPTS[key] = excerpt(post)
    return _EXCERPTS[key]


def explain(s: Scored, accounts: dict[int, Account], history: dict[int, Post],
            trending: set[str]) -> Reason:
    """The strongest of the features that raised the post, said in words."""
    f, c = s.features, s.candidate
    author = c.author
    social = min(f.social, 5) / 5
    options: list[tuple[float, str]] = [
        (0.45 + 0.5 * social if f.social else 0.0, "social"),
        (f.taste, "similar"),
        (f.more, "more"),
        (0.45 if f.in_network else 0.0, "in_network"),
        (0.12 * min(f.affinity, 5), "affinity"),
        (0.5 * f.popularity, "popular"),
        (0.25 if f.new_voice else 0.0, "new_voice"),
        (0.01, "recent"),
    ]
    kind = max(options, key=lambda o: o[0])[1]
    if kind == "social":
        first, how = s.engagers[0]
        who = accounts.get(first)
        if who is None:
            return Reason(kind, UNNAMED[kind])
        others = len(s.engagers) - 1
        more = f" and {others} other{'s' if others > 1 else ''}" if others else ""
        tail = " you follow" if others else ", who you follow"
        return Reason(kind, f"{how} by @{who.username}{more}{tail}", names=[who.id])
    if kind == "similar":
        item = history.get(f.match or 0)
        verb = VERBS.get(f.match_kind, "liked")
        quoted = _excerpt(item) if item is not None else ""
        if item is None or not quoted:
            return Reason(kind, f"like posts you {verb}")
        return Reason(kind, f"like “{quoted}”, which you {verb}", post=item.id)
    if kind == "more":
        return Reason(kind, "more like what you asked to see more of")
    if kind == "in_network":
        return Reason(kind, f"from @{author.username}, who you follow", names=[author.id])
    if kind == "affinity":
        return Reason(kind, f"you often like posts by @{author.username}", names=[author.id])
    if kind == "popular":
        tags = sorted(name for name in c.tags.values() if name in trending)
        return Reason(kind, f"popular in #{tags[0]} today" if tags else "popular today")
    if kind == "new_voice":
        return Reason(kind, f"@{author.username} is new here", names=[author.id])
    return Reason(kind, "recent on this server")


def still_true(reason: Reason, hidden: set[int], visible_history: set[int]) -> Reason:
    """A kept reason, reworded without what the person may no longer see."""
    if any(i in hidden for i in reason.names) or (
            reason.post is not None and reason.post not in visible_history):
        return Reason(reason.kind, UNNAMED.get(reason.kind, "recent on this server"))
    return reason
