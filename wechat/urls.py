"""`/wechat` and `/wechat/` both reach the callback (WeChat keeps whichever URL was typed)."""

from django.urls import re_path

from wechat import relay, views

app_name = "wechat"

urlpatterns = [
    re_path(r"^wechat/?$", views.callback, name="callback"),
    re_path(r"^wechat/token/?$", relay.serve_token, name="token"),
]
