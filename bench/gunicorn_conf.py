"""gunicorn settings for bench/load.py: applies BENCH_EXPERIMENTS in every worker."""

import os
import sys
from pathlib import Path


def post_worker_init(worker):
    names = os.environ.get("BENCH_EXPERIMENTS", "")
    if names:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import experiments

        experiments.apply(names)
