"""gunicorn settings for Meldpunt: `gunicorn -c deploy/gunicorn.conf.py app.wsgi:application`.

No access log at all: a reporter's request must leave no trace (no address,
no path, no time) — see SECURITY.md. The reverse proxy logs staff paths
(/medewerkers/) without query strings; nothing else is logged per request.
"""

import os

bind = os.environ.get("MELDPUNT_BIND", "127.0.0.1:8000")
# Every sign-in and receipt-code check costs one Argon2id run of 64 MiB, so
# memory, not CPU, bounds the concurrency: workers x threads x 64 MiB.
workers = int(os.environ.get("MELDPUNT_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("MELDPUNT_THREADS", "4"))
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200

# Logging: errors only, to stderr (the journal or `docker logs`). gunicorn logs
# a client address only at debug level; never run it at debug in production.
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = "warning"
capture_output = False

# Trust no forwarding headers: the app needs neither the client address nor
# the scheme (cookies are Secure by configuration, not by header). Flask-WTF's
# strict referrer check would also fail every POST if the scheme were https,
# because the app sends `Referrer-Policy: no-referrer`.
forwarded_allow_ips = ""
secure_scheme_headers = {}
proxy_allow_ips = ""

# Files the server creates are private to its user.
umask = 0o077
# Heartbeat files only (no data), in memory rather than on disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
limit_request_line = 8190
limit_request_fields = 100
