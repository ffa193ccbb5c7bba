"""The access token: fetched with stable_token, shared through the cache, fetched once."""

import threading
import time

import pytest
import responses
from django.conf import settings
from django.core.cache import cache

from tests.conftest import FAKE_ACCESS_TOKEN
from wechat import tools
from wechat.client import own_token_store
from wechat.token_store import KEY_PREFIX, cache_lock


def url(path: str) -> str:
    return f"{settings.WECHAT_API_BASE_URL}{path}"


def fetches(mock) -> int:
    return len([c for c in mock.calls if "stable_token" in c.request.url])


def test_many_calls_fetch_the_token_once(wechat_api):
    wechat_api.get(url("cgi-bin/menu/delete"), json={"errcode": 0})
    for _ in range(5):
        tools.menuDelete()
    assert fetches(wechat_api) == 1


def test_the_token_lives_in_the_django_cache_under_the_app_id(wechat_api):
    tools.getToken()
    assert cache.get(f"{KEY_PREFIX}{settings.WECHAT_APP_ID}_access_token") == FAKE_ACCESS_TOKEN


def test_a_token_another_process_stored_is_used_without_fetching(wechat_api):
    own_token_store().put("TOKEN_FROM_ANOTHER_PROCESS", 7200)
    wechat_api.get(url("cgi-bin/menu/delete"), json={"errcode": 0})
    tools.menuDelete()
    assert fetches(wechat_api) == 0
    [call] = wechat_api.calls
    assert call.request.params["access_token"] == "TOKEN_FROM_ANOTHER_PROCESS"


def test_the_token_is_kept_a_little_less_than_its_lifetime(wechat_api):
    tools.getToken()
    assert 7200 - 300 - 5 <= own_token_store().remaining() <= 7200 - 300


def test_an_expired_token_is_fetched_again(wechat_api):
    own_token_store().put("SHORT_LIVED", 1)  # cached for max(1, 1 - 0) second
    time.sleep(1.1)
    assert tools.getToken() == FAKE_ACCESS_TOKEN
    assert fetches(wechat_api) == 1


def test_cache_lock_is_exclusive_until_released(db):
    cache.clear()
    with cache_lock("unit", wait=0) as first:
        with cache_lock("unit", wait=0.1) as second:
            assert (first, second) == (True, False)
    with cache_lock("unit", wait=0) as again:
        assert again is True


@pytest.fixture
def memory_cache(settings):
    # Threads cannot share the test's uncommitted database cache table; the
    # in-memory cache has the same atomic `add`, which is all the lock needs.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def test_twenty_cold_threads_fetch_the_token_once(memory_cache):
    calls = []

    def slow_token(request):
        calls.append(request)
        time.sleep(0.3)  # wide enough for every thread to find the cache empty
        return 200, {}, '{"access_token": "SHARED", "expires_in": 7200}'

    tokens = []
    with responses.RequestsMock() as mock:
        mock.add_callback("POST", url("cgi-bin/stable_token"), callback=slow_token)
        threads = [
            threading.Thread(target=lambda: tokens.append(tools.getToken())) for _ in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert tokens == ["SHARED"] * 20
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("setting", "errcode"), [("WECHAT_APP_ID", 41002), ("WECHAT_APP_SECRET", 41004)]
)
def test_missing_credentials_fail_at_once_with_wechats_code(wechat_api, settings, setting, errcode):
    setattr(settings, setting, "")
    with pytest.raises(tools.WeChatAPIError) as raised:
        tools.menuQuery()
    assert raised.value.errcode == errcode
    assert setting in raised.value.errmsg
    assert fetches(wechat_api) == 0
