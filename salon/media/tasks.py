"""Media job handlers. Importing this module only registers them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.jobs.worker import handler
from salon.media.service import DELETE_FILES_JOB
from salon.media.store import MediaStore, media_store
from salon.settings import get_settings


def job_store() -> MediaStore:
    """The store of the settings this process runs with."""
    return media_store(get_settings())


@handler(DELETE_FILES_JOB)
async def delete_files(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Delete stored files. Missing files are fine: the job may run twice."""
    store = job_store()
    for key in payload.get("keys", []):
        await store.delete(str(key))
