"""Filters: a person's keyword and post filters (Mastodon's filters v2) and how posts match them."""
