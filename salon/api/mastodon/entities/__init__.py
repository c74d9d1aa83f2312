"""Salon's rows as Mastodon's REST API serializes them, so Mastodon apps read them unchanged.

Attribute sets follow https://docs.joinmastodon.org/entities/ and Mastodon's
app/serializers/rest/*. Attributes Mastodon sends only in some cases (a signed-in viewer's
flags on a status, `voted`/`own_votes` on a poll, `suspended` on an account, `status` on a
notification) are left out of the JSON when they do not apply, never sent as null; every other
attribute is always present, null or not. Serialize with `.model_dump(mode="json")` (or return
the model from a FastAPI route).
"""

from salon.api.mastodon.entities.accounts import (
    AccountEntity,
    CredentialAccountEntity,
    CustomEmojiEntity,
    FieldEntity,
    MutedAccountEntity,
    RelationshipEntity,
    RoleEntity,
    SourceEntity,
    account,
    credential_account,
    muted_account,
    relationship,
)
from salon.api.mastodon.entities.common import Entity, absolute_links, tag_names, timestamp
from salon.api.mastodon.entities.media import MediaAttachmentEntity, PollEntity, media, poll
from salon.api.mastodon.entities.statuses import (
    ApplicationEntity,
    MentionEntity,
    NotificationEntity,
    QuoteEntity,
    ShallowQuoteEntity,
    StatusEditEntity,
    StatusEntity,
    StatusTagEntity,
    TagEntity,
    mention,
    notification,
    status,
    status_edit,
    tag,
)

__all__ = [
    "AccountEntity",
    "ApplicationEntity",
    "CredentialAccountEntity",
    "CustomEmojiEntity",
    "Entity",
    "FieldEntity",
    "MediaAttachmentEntity",
    "MentionEntity",
    "MutedAccountEntity",
    "NotificationEntity",
    "PollEntity",
    "QuoteEntity",
    "RelationshipEntity",
    "RoleEntity",
    "ShallowQuoteEntity",
    "SourceEntity",
    "StatusEditEntity",
    "StatusEntity",
    "StatusTagEntity",
    "TagEntity",
    "absolute_links",
    "account",
    "credential_account",
    "media",
    "mention",
    "muted_account",
    "notification",
    "poll",
    "relationship",
    "status",
    "status_edit",
    "tag",
    "tag_names",
    "timestamp",
]
