"""gunicorn settings for the satisfaction server (used by deploy/systemd/satisfaction.service).

Every value can be overridden from the environment (the systemd unit reads
/etc/satisfaction/satisfaction.env), so the same file serves the tests and production.
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("SATISFACTION_BIND", "127.0.0.1:8000")
# gthread workers keep connections alive behind nginx and let a worker wait on SQLite's
# write lock without blocking its other requests. Writers are serialised by SQLite anyway,
# so a few processes with threads beat many processes.
worker_class = "gthread"
workers = int(os.environ.get("SATISFACTION_WORKERS", min(4, multiprocessing.cpu_count() + 1)))
threads = int(os.environ.get("SATISFACTION_THREADS", 4))
timeout = 60
graceful_timeout = 20
keepalive = 5
# Restart workers now and then so a slow leak cannot grow for months.
max_requests = 20000
max_requests_jitter = 2000
wsgi_app = "server:create_app()"
# The application writes one JSON line per request itself (with its request id and
# without query strings or bodies), so gunicorn's own access log stays off.
accesslog = None
errorlog = "-"
# systemd manages the server; a control socket in $HOME would also be shared by every
# instance on the machine.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("SATISFACTION_FORWARDED_ALLOW_IPS", "127.0.0.1")


_made_metrics_directory = []


def on_starting(server):
    # Prometheus counters from every worker land in one directory, read by /metrics; the
    # systemd unit gives it one under /run, anything else gets a fresh temporary one, which
    # on_exit removes.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        directory = tempfile.mkdtemp(prefix="satisfaction-metrics-")
        _made_metrics_directory.append(directory)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        os.remove(os.path.join(directory, name))


def on_exit(server):
    for directory in _made_metrics_directory:
        shutil.rmtree(directory, ignore_errors=True)


def post_worker_init(worker):
    # Start the SMS sender and the alert checker as soon as a worker is up, not at its
    # first request; their SQLite leases let only one worker act at a time.
    from server import background
    background.start_all(worker.wsgi)


def child_exit(server, worker):
    try:
        from prometheus_client import multiprocess
    except ImportError:
        return
    multiprocess.mark_process_dead(worker.pid)
