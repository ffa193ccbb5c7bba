"""`make bench`: wrist's callback measured against the bare protocol work it does.

`python -m bench` starts each target under gunicorn on 127.0.0.1, drives it
with wrk and prints pushes/s, p50 and p99 per target and mode, with wrist's
throughput as a ratio of the ceiling's from the same run.
"""
