"""`manage.py check` messages for WeChat configuration that would fail at the first push."""

from django.core.checks import Error, Warning, register

from wechat import conf
from wechat.crypto import decode_aes_key


@register()
def check_wechat_settings(app_configs=None, **kwargs) -> list:
    messages = []
    if not conf.token():
        messages.append(
            Warning(
                "WECHAT_TOKEN is not set: every push to /wechat/ will be refused with 403.",
                hint="Set WECHAT_TOKEN to the Token typed into the account's server settings.",
                id="wechat.W001",
            )
        )
    if not conf.app_id() or not conf.app_secret():
        messages.append(
            Warning(
                "WECHAT_APP_ID or WECHAT_APP_SECRET is not set: outbound API calls will fail.",
                hint="Copy both from the account's basic configuration page.",
                id="wechat.W002",
            )
        )
    key = conf.encoding_aes_key()
    if key:
        try:
            decode_aes_key(key)
        except ValueError as err:
            messages.append(
                Error(
                    f"WECHAT_ENCODING_AES_KEY is malformed: {err}.",
                    hint="Copy the 43-character EncodingAESKey from the account's page.",
                    id="wechat.E001",
                )
            )
        if not conf.app_id():
            messages.append(
                Error(
                    "WECHAT_ENCODING_AES_KEY is set but WECHAT_APP_ID is not: "
                    "encrypted pushes cannot be checked or answered.",
                    id="wechat.E002",
                )
            )
    return messages
