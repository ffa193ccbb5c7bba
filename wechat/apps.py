from django.apps import AppConfig


class WechatConfig(AppConfig):
    name = "wechat"
    verbose_name = "WeChat"

    def ready(self) -> None:
        from wechat import checks  # noqa: F401  (registers the system checks)
