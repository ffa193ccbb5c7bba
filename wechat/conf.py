"""The one place that reads WeChat settings, at call time so tests can override them."""

from django.conf import settings

# A push larger than this is refused with 413: WeChat's own pushes are a few KiB.
MAX_PUSH_BYTES = 64 * 1024


def token() -> str:
    return settings.WECHAT_TOKEN


def app_id() -> str:
    return settings.WECHAT_APP_ID


def app_secret() -> str:
    return settings.WECHAT_APP_SECRET


def encoding_aes_key() -> str:
    return settings.WECHAT_ENCODING_AES_KEY


def api_base_url() -> str:
    """The base of every outbound URL, always with a trailing slash."""
    base = settings.WECHAT_API_BASE_URL or "https://api.weixin.qq.com/"
    return base if base.endswith("/") else base + "/"


def device_token_url() -> str:
    return settings.WECHAT_DEVICE_TOKEN_URL


def token_relay_key() -> str:
    return settings.WECHAT_TOKEN_RELAY_KEY


def api_timeout() -> tuple[float, float]:
    """(connect, read) seconds for every outbound request; the read allows WeChat's slow days."""
    return (
        float(getattr(settings, "WECHAT_API_CONNECT_TIMEOUT", 5.0)),
        float(getattr(settings, "WECHAT_API_READ_TIMEOUT", 20.0)),
    )


def send_max_attempts() -> int:
    """How many times a background send is tried before it is stored as failed."""
    return int(getattr(settings, "WECHAT_SEND_MAX_ATTEMPTS", 4))


def send_retry_base_seconds() -> float:
    """The first retry's delay; each further retry waits four times longer."""
    return float(getattr(settings, "WECHAT_SEND_RETRY_BASE_SECONDS", 10.0))
