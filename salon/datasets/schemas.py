"""The kinds of data a person may let be used for training, each asked separately."""

from __future__ import annotations

POSTS = "posts"  # the text of their public posts
GENERATED = "generated"  # pictures they generated, with the recipes
UPLOADS = "uploads"  # pictures they uploaded
CHOICES = "choices"  # which candidates they picked over the others, and what they liked
KINDS = (POSTS, GENERATED, UPLOADS, CHOICES)

DESCRIPTIONS = {
    POSTS: "The text of my public posts",
    GENERATED: "Pictures I generate, with their recipes",
    UPLOADS: "Pictures I upload",
    CHOICES: "My choices: the candidates I post over the others, and what I like",
}
