"""gunicorn settings for production (`gunicorn -c gunicorn.conf.py wrist.wsgi`).

Every value can be set from the environment, so the same file serves a VM
behind nginx, a PaaS that sets PORT, and the benchmark.
"""

import multiprocessing
import os
from pathlib import Path

from dotenv import load_dotenv

# The same .env as Django's settings, so PORT, WEB_CONCURRENCY… can live there too.
load_dotenv(Path(__file__).resolve().parent / ".env")

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers: one request at a time per process, the robust default for a
# CPU-bound callback; nginx buffers slow clients in front of them.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# WeChat gives up after 5 s; a request still running after 30 s is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Set GUNICORN_MAX_REQUESTS to recycle workers now and then (off: a recycle
# costs a fresh import of Django in the middle of traffic).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max(max_requests // 10, 1) if max_requests else 0
# nginx on the same host sets X-Forwarded-Proto; trust it from there only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
