"""CSV export of a year of tickets from the big benchmark database: rows per second, peak
memory and the web process's CPU time, through the real view (``/reports/tickets.csv``) and
its streaming response.

    .venv/bin/python bench/export_bench.py \
        --database-url postgres://postgres@127.0.0.1:5432/sd_bench_reportruns

Signs in as ``bench-manager`` (bench/seed.py), picks the 365 days ending at the newest
ticket, reads the response's streamed chunks and throws them away (as a socket would),
sampling the process's resident memory every 50,000 rows: flat memory shows as the same
figure from the first sample to the last. Prints rows, seconds, rows/s, MB and peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.db.models import Max
    from django.test import Client
    from django.utils import timezone

    from servicedesk.models import User
    from tickets.models import Ticket

    newest = Ticket.objects.aggregate(m=Max("created_at"))["m"]
    end = timezone.localtime(newest).date()
    start = end - dt.timedelta(days=args.days - 1)
    client = Client()
    client.force_login(User.objects.get(username="bench-manager"))
    print(f"period {start} .. {end}; RSS before {rss_mb():.1f} MB")
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    began = time.perf_counter()
    response = client.get(f"/reports/tickets.csv?start={start}&end={end}")
    assert response.status_code == 200, response.status_code
    rows = -1  # the header line
    size = 0
    next_sample = 50_000
    samples = []
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
        if rows >= next_sample:
            samples.append((rows, round(rss_mb(), 1)))
            next_sample += 50_000
    seconds = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak = usage.ru_maxrss / 1024
    print(f"rows {rows:,}  seconds {seconds:.1f}  rows/s {rows / seconds:,.0f}  "
          f"MB {size / 2**20:.1f}  peak RSS {peak:.1f} MB")  # fmt: skip
    print(f"web process CPU {cpu:.1f} s = {rows / cpu:,.0f} rows per CPU-second; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print("RSS (rows, MB):", samples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
