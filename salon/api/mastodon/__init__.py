"""The Mastodon-compatible client API: Mastodon's routes and entity shapes over Salon's
services, so existing Mastodon apps can read and post."""
