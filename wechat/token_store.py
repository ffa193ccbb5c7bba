"""Access tokens kept in the Django cache, so every process and machine shares one.

A module global would give each worker process its own token (and its own
fetches); the cache (the database table, or Redis) is shared. A cache lock
(`cache.add` is atomic on every backend) makes 20 processes that start cold
fetch the token once: the first takes the lock and fetches, the others wait
for the lock and then find the token in the cache.
"""

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.cache import cache
from wechatpy.session import SessionStorage

logger = logging.getLogger(__name__)

KEY_PREFIX = "wechat:"
LOCK_HOLD_SECONDS = 30  # a crashed holder frees the lock after this long
LOCK_WAIT_SECONDS = 25  # longer than a token fetch can take (connect + read timeout)
_POLL_SECONDS = 0.05


class DjangoCacheStorage(SessionStorage):
    """wechatpy's session storage on the Django cache."""

    def get(self, key, default=None):
        return cache.get(KEY_PREFIX + key, default)

    def set(self, key, value, ttl=None):
        cache.set(KEY_PREFIX + key, value, timeout=ttl)

    def delete(self, key):
        cache.delete(KEY_PREFIX + key)


@contextmanager
def cache_lock(name: str, wait: float = LOCK_WAIT_SECONDS) -> Iterator[bool]:
    """Hold the lock `name` across processes; yields False if it was not won in `wait` s.

    Callers go on without the lock then: a second fetch is wasteful, never wrong
    (the stable-token endpoint does not invalidate the token others hold).
    """
    key = f"{KEY_PREFIX}lock:{name}"
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    acquired = cache.add(key, owner, timeout=LOCK_HOLD_SECONDS)
    while not acquired and time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
        acquired = cache.add(key, owner, timeout=LOCK_HOLD_SECONDS)
    if not acquired:
        logger.warning("gave up waiting for the lock %s", name)
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == owner:
            cache.delete(key)


def expiry_margin(expires_in: int) -> int:
    """Stop using a token a little before WeChat does (5 min, or a tenth of short lives)."""
    return min(300, expires_in // 10)


class TokenStore:
    """One token (the account's own, or a relay's) in the shared cache.

    `fetch(stale)` gets a fresh `(token, expires_in)`; `stale` is None, or the
    token a call was refused with, which must then be replaced.
    """

    def __init__(self, key: str, fetch: Callable[[str | None], tuple[str, int]]) -> None:
        self.key = key
        self.fetch = fetch
        self.storage = DjangoCacheStorage()

    def token(self, stale: str | None = None) -> str:
        """The shared token; `stale` is one WeChat refused, to be replaced, not returned."""
        current = self.storage.get(self.key)
        if current and current != stale:
            return current
        with cache_lock(self.key):
            current = self.storage.get(self.key)
            if current and current != stale:
                return current  # another process fetched it while we waited
            token, expires_in = self.fetch(stale)
            self.put(token, expires_in)
            return token

    def put(self, token: str, expires_in: int) -> None:
        ttl = max(1, expires_in - expiry_margin(expires_in))
        self.storage.set(self.key, token, ttl)
        self.storage.set(self.key + ":expires_at", time.time() + ttl, ttl)

    def remaining(self) -> int:
        """Seconds the stored token is still used for (0 when unknown)."""
        expires_at = self.storage.get(self.key + ":expires_at")
        return max(0, int(expires_at - time.time())) if expires_at else 0

    def clear(self) -> None:
        self.storage.delete(self.key)
        self.storage.delete(self.key + ":expires_at")
