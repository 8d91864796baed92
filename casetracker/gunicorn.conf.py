"""gunicorn settings for casetracker (docs/deploy.md).

    gunicorn -c casetracker/gunicorn.conf.py casetracker.wsgi

Behind a reverse proxy on the same host. Every value can be changed from the environment.
"""

import os


def _cpus() -> int:
    # The CPUs this process may run on (a container's limit), not all the machine has.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Loopback only by default: the reverse proxy is the one that faces the network.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers; each serves one request at a time. Two per CPU plus one, gunicorn's
# advice, keeps the CPUs busy while some workers wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)

# A worker silent this long is killed and replaced. Reports over a million cases take a few
# seconds at most; a minute is a stuck worker, not a slow report.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# The proxy keeps connections to gunicorn open between requests.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Replace each worker after about a thousand requests, at staggered times, to bound any slow leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))

# Access and error logs on standard output and error, for journald or the container runtime.
# The access log line ends with the time taken, in microseconds (%(D)s).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'

# X-Forwarded-Proto is believed only from these addresses (the proxy; FORWARDED_ALLOW_IPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
