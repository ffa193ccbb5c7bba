"""Top-level URLs: the WeChat callback, the admin, and the setup page."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("wechat.urls")),
    path("admin/", admin.site.urls),
    path("", include("wrist.setup_page")),
]
