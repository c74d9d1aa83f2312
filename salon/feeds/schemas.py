"""Shapes the feeds domain hands to interfaces."""

from __future__ import annotations

from dataclasses import dataclass

from salon.accounts.models import Account
from salon.feeds.models import SentenceFeed


@dataclass
class SentenceFeedView:
    """A feed from a sentence as one reader sees it: whose it is, and whether the reader
    follows it (the owner always does) and has it pinned as a tab."""

    feed: SentenceFeed
    owner: Account
    owned: bool = False
    following: bool = False
    pinned: bool = False
    followers_count: int = 0  # others who follow it and may read it
