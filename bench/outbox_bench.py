"""Notification delivery benchmark: how fast a queue of notifications drains.

    .venv/bin/python bench/outbox_bench.py --messages 10000 --workers 2 \
        --database-url postgres://postgres@127.0.0.1:5432/sd_bench_outbox

1. Migrates the database (the name must start with ``sd_bench``) and empties the outbox.
2. Starts a local SMTP server in a process of its own (aiosmtpd, which keeps each message
   it is given and counts them; ``--smtp-delay`` adds a pause per message, like a slower
   mail server) and ``--workers`` Celery worker processes (prefork, concurrency 1 each:
   one delivery run per process) on a private queue of the Redis at ``--broker``.
3. Writes ``--messages`` pending notifications in one INSERT, publishes one delivery task
   per worker (what the commits of the changes that wrote them do), and times until every
   row is ``sent``; then checks that the server received each Message-ID exactly once.

Reports wall time, messages per second, and the server's count. Raw results go to
``bench/results/`` (git-ignored). Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SMTP_SERVER = r"""
import asyncio, sys, threading
from aiosmtpd.controller import Controller

class Counter:
    def __init__(self, delay):
        self.delay, self.ids, self.lock = delay, [], threading.Lock()
    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"

handler = Counter(float(sys.argv[3]))
controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
controller.stop()
with open(sys.argv[2], "w") as out:
    out.write("\n".join(handler.ids))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/sd_bench_outbox"
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--smtp-delay", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    name = urlsplit(args.database_url).path.lstrip("/")
    if not name.startswith("sd_bench"):
        sys.exit("the database name must start with sd_bench (it is emptied)")

    os.environ.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="servicedesk.settings",
        SECRET_KEY="bench-only",
    )
    ensure_database(args.database_url, name)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, check=True
    )
    import django

    django.setup()
    from django.db import connection

    from servicedesk.models import OutboxMessage

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE servicedesk_outboxmessage CASCADE")  # and the webhook log

    tmp = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    port = free_port()
    smtp = subprocess.Popen(
        [sys.executable, "-c", SMTP_SERVER, str(port), str(tmp / "ids.txt"), str(args.smtp_delay)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert smtp.stdout is not None and smtp.stdout.readline().strip() == "ready"
    queue = f"bench-outbox-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": args.broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    workers = []
    for i in range(args.workers):
        log = (tmp / f"worker{i}.log").open("w")
        workers.append(
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "servicedesk", "worker"),
                    *(
                        "--pool=prefork",
                        "--concurrency=1",
                        "-Q",
                        queue,
                        "-n",
                        f"w{i}@%h",
                        "-l",
                        "INFO",
                    ),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    try:
        wait_ready(tmp, args.workers)
        OutboxMessage.objects.bulk_create(
            (
                OutboxMessage(
                    topic="ticket.replied",
                    recipient=f"user{i}@example.com",
                    # what comment_add writes: a full mail (text + sanitized HTML, thread
                    # headers), half in Chinese
                    payload={
                        "ticket": f"SD-2026-{i:06d}",
                        "ticket_id": i + 1,
                        "title": "Billing run stops",
                        "path": f"/portal/tickets/SD-2026-{i:06d}/",
                        "author": "Wang Fang",
                        "body": "Please restart the billing service.\nThen run it again.",
                        "attachments": [],
                        "created_at": "2026-12-03T06:05:00+00:00",
                        "language": ("en", "zh-hans")[i % 2],
                        "time_zone": "Asia/Shanghai",
                        "audience": "customer",
                    },
                )
                for i in range(args.messages)
            ),
            batch_size=2000,
        )
        from celery import Celery

        sender = Celery("bench", broker=args.broker, set_as_current=False)
        started = time.monotonic()
        for _ in range(args.workers):
            sender.send_task("servicedesk.tasks.outbox_deliver_task", queue=queue)
        pending = args.messages
        while pending and time.monotonic() - started < args.timeout:
            time.sleep(0.2)
            pending = OutboxMessage.objects.exclude(state="sent").count()
        elapsed = time.monotonic() - started
        sender.close()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        assert smtp.stdin is not None
        smtp.stdin.close()
        smtp.wait(timeout=30)
    ids = (tmp / "ids.txt").read_text().split()
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} cores",
        "messages": args.messages,
        "workers": args.workers,
        "smtp_delay_s": args.smtp_delay,
        "left_unsent": pending,
        "seconds": round(elapsed, 2),
        "per_second": round((args.messages - pending) / elapsed, 1),
        "server_received": len(ids),
        "distinct_message_ids": len(set(ids)),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"outbox-{int(time.time())}.json").write_text(json.dumps(result, indent=2))


def wait_ready(tmp: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready = sum(" ready." in p.read_text() for p in tmp.glob("worker*.log"))
        if ready == count:
            return
        time.sleep(0.2)
    sys.exit("workers did not start: see " + str(tmp))


def ensure_database(url: str, name: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


if __name__ == "__main__":
    main()
