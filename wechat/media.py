"""Upload a temporary media file once per content, and reuse its media_id while it lives.

WeChat keeps temporary media 3 days. A row in `MediaUpload` younger than that,
minus `REUSE_MARGIN` (so a message sent with it still finds it), answers an
upload of the same content and type without uploading. The demo kept one
media id in a module global, which each process lost and never expired.
"""

import hashlib
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from wechat.models import MediaUpload
from wechat.token_store import cache_lock

MEDIA_LIFETIME = timedelta(days=3)
REUSE_MARGIN = timedelta(hours=2)
MEDIA_TYPES = frozenset(MediaUpload.MediaType.values)


def upload_once(
    media_type: str, filename: str | os.PathLike, upload: Callable[[str, str, bytes], dict]
) -> dict:
    """WeChat's answer for this file: the stored one, or `upload(type, name, content)`'s.

    Concurrent uploads of the same content wait for one another (a cache
    lock), so two processes sending the same image upload it once.
    """
    if media_type not in MEDIA_TYPES:
        raise ValueError(f"media type must be one of {sorted(MEDIA_TYPES)}, not {media_type!r}")
    path = Path(filename)
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    with cache_lock(f"media:{media_type}:{digest}"):
        stored = reusable(digest, media_type)
        if stored is not None:
            return stored.answer
        answer = upload(media_type, path.name, content)
        MediaUpload.objects.create(
            sha256=digest,
            media_type=media_type,
            media_id=answer["media_id"],
            filename=path.name[:255],
            size=len(content),
            answer=answer,
            uploaded_at=timezone.now(),
        )
        return answer


def reusable(digest: str, media_type: str) -> MediaUpload | None:
    """The latest upload of this content and type that WeChat still keeps."""
    fresh_since = timezone.now() - (MEDIA_LIFETIME - REUSE_MARGIN)
    return (
        MediaUpload.objects.filter(
            sha256=digest, media_type=media_type, uploaded_at__gt=fresh_since
        )
        .order_by("-uploaded_at")
        .first()
    )
