"""Settings for the test suite: the real settings with fixed WeChat credentials.

The database still comes from DATABASE_URL, so the same suite runs on SQLite
and on PostgreSQL.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")

from wrist.settings import *  # noqa: E402,F403

WECHAT_APP_ID = "wx_test_app_id"
WECHAT_APP_SECRET = "test_app_secret_value"
WECHAT_TOKEN = "test_token"
WECHAT_ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
WECHAT_API_BASE_URL = "https://api.weixin.qq.com/"
WECHAT_DEVICE_TOKEN_URL = ""
WECHAT_TOKEN_RELAY_KEY = ""

# Tasks run at once, inside the request, so tests see their effects.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

# A file, not SQLite's default in-memory test database: live-server tests then
# get a connection per thread, as a real deployment does, instead of one
# connection shared by every request thread.
if DATABASES["default"]["ENGINE"] == "wrist.sqlite_backend":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "db.sqlite3-test")}  # noqa: F405
