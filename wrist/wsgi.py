"""WSGI entry point, used by gunicorn in production.

WeChat's pushes skip the site's middleware: see `wrist.callback_handler`.
"""

import os

from django.core.wsgi import get_wsgi_application

from wrist.callback_handler import route_callback

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wrist.settings")

application = route_callback(get_wsgi_application())
