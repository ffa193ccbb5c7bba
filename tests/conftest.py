import pytest
import responses
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from tests.secret_watch import STAND_IN_TOKENS, SecretWatch, watch_everything_at_debug

FAKE_ACCESS_TOKEN = "ACCESS_TOKEN_FOR_TESTS"
_secret_watch: SecretWatch | None = None


@pytest.fixture(scope="session", autouse=True)
def secret_watch():
    """The whole run logs at DEBUG into a watch for secrets (checked at the end)."""
    global _secret_watch
    secrets = {
        "the app secret": settings.WECHAT_APP_SECRET,
        "the AES key": settings.WECHAT_ENCODING_AES_KEY,
        "an access token": FAKE_ACCESS_TOKEN,
        **{f"access token {n}": token for n, token in enumerate(STAND_IN_TOKENS, 1)},
    }
    _secret_watch = SecretWatch(secrets)
    undo = watch_everything_at_debug(_secret_watch)
    yield _secret_watch
    undo()


def pytest_sessionfinish(session, exitstatus):
    if _secret_watch is not None and _secret_watch.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    watch = _secret_watch
    if watch is None:
        return
    if watch.leaks:
        terminalreporter.section("secrets in log records", red=True)
        for leak in sorted(set(watch.leaks)):
            terminalreporter.line(f"{watch.leaks.count(leak)} × {leak}")
    else:
        terminalreporter.line(
            f"secret watch: {watch.records:,} log records at DEBUG, none holding a secret"
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The access token lives in the database cache, which migrate does not create.
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture
def client() -> Client:
    # WeChat's servers send no cookies or CSRF tokens, and neither does this client.
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def wechat_api(db):
    """Stand in for WeChat's servers with `responses`; the token endpoint answers.

    Register each API a test expects on the yielded `RequestsMock`; any request
    to an unregistered URL fails the call with a connection error.
    """
    cache.clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(
            f"{settings.WECHAT_API_BASE_URL}cgi-bin/stable_token",
            json={"access_token": FAKE_ACCESS_TOKEN, "expires_in": 7200},
        )
        yield mock
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_last_seen_memory():
    """Each test starts with no memory of recent last-seen touches (a per-process cache)."""
    from devices.services import forget_recent_touches

    forget_recent_touches()


@pytest.fixture(autouse=True)
def wechat_unreachable(request, settings):
    """A test that does not stand in for WeChat (`wechat_api`) never reaches the real one.

    Handlers enqueue customer-service sends, which the immediate task backend
    runs at once; here they go to a closed local port and fail in a millisecond.
    """
    if "wechat_api" not in request.fixturenames:
        settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/"
