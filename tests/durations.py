"""The order in which the test files go to the xdist processes: the most expensive first.

``make test`` runs ``pytest -n 2 --dist loadfile``: each file is one unit of work, handed to
whichever process runs out first. xdist's own order is by number of tests, so the files
with a few slow tests (a migration round trip, the demo seed, ``manage.py start``, a
virtualenv install, each 30-70 s) came last and one process ran them alone while the other
idled. Handing out the longest units first (LPT scheduling) ends both processes within
seconds of each other.

The cost of a file is what ``tests/durations.json`` records (seconds of setup, call and
teardown, summed over its tests, from a whole run's JUnit XML); a file it does not know yet
counts as many average tests. Stale figures only make the balance worse, never a result
different. Refresh them after a run:

    pytest -n 2 --dist loadfile --junitxml=/tmp/junit.xml
    python -m tests.durations /tmp/junit.xml
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET  # noqa: S405 (our own pytest's report)
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILE = Path(__file__).with_name("durations.json")


def load() -> dict[str, float]:
    try:
        return json.loads(FILE.read_text())
    except (OSError, ValueError):
        return {}


def order_by_cost(items: list) -> None:
    """Reorder ``items`` in place: whole files, the most expensive first; the tests of a file
    keep their order, and files of equal cost keep pytest's."""
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    known = load()
    counted = [(name, len(tests)) for name, tests in files.items() if name in known]
    average = 1.0  # seconds per test, from the files it knows
    if counted:
        average = sum(known[name] for name, _n in counted) / sum(n for _name, n in counted)

    def cost(name: str) -> float:
        return known.get(name, average * len(files[name]))

    ordered = sorted(files, key=cost, reverse=True)  # sorted() is stable
    items[:] = [item for name in ordered for item in files[name]]


def _file_of(classname: str) -> str | None:
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        candidate = Path(*parts[:end]).with_suffix(".py")
        if (ROOT / candidate).is_file():
            return candidate.as_posix()
    return None


def main(junit: str) -> None:
    seconds: dict[str, float] = defaultdict(float)
    for case in ET.parse(junit).iter("testcase"):  # noqa: S314
        name = _file_of(case.get("classname", ""))
        if name:
            seconds[name] += float(case.get("time") or 0)
    ranked = dict(sorted(((k, round(v, 1)) for k, v in seconds.items()), key=lambda kv: -kv[1]))
    FILE.write_text(json.dumps(ranked, indent=0) + "\n")
    print(f"{FILE.relative_to(ROOT)}: {len(ranked)} files, {sum(ranked.values()):.0f} s")


if __name__ == "__main__":
    main(sys.argv[1])
