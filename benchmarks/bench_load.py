"""Benchmark the answer store under a room's load: 100 teams saving at once for a
bounded time, each team with its own store connection as its page's kernel has, in
separate processes ("servers"); on SQLite, on PostgreSQL, and on two servers sharing
one PostgreSQL. Prints saves attempted against rows found afterwards (they must be
equal: a save that raised is counted as attempted and not found) and save latency.

Run from the repository root: ``.venv/bin/python benchmarks/bench_load.py``
(``--teams``, ``--seconds``, ``--think``). PostgreSQL is a throw-away cluster of
Debian's postgresql (fsync on, as deployed), started and removed by the run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _report import Machine, Row, median, percentile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from postgres import count_rows, start_cluster  # noqa: E402 - after the path

from sectorwb.errors import StoreError  # noqa: E402
from sectorwb.store import Store  # noqa: E402

WORKSHEET = "preparing_to_launch"


def _team_loop(
    target: str, team: str, start: float, end: float, think: float, out: list
) -> None:
    """One team's page: its own store, a save of one answer per keystroke pause."""
    store = Store(target)
    store.read_only  # noqa: B018 - connects (and makes the tables) before the clock
    while time.time() < start:
        time.sleep(0.001)
    n = 0
    while time.time() < end:
        n += 1
        began = time.perf_counter()
        try:
            store.save(team, WORKSHEET, {"target_sector": f"{team} typed {n}"})
        except StoreError as exc:
            out.append(("failed", time.perf_counter() - began, str(exc)))
        else:
            out.append(("saved", time.perf_counter() - began, ""))
        time.sleep(think)
    store.close()


def _server(
    target: str, teams: list[str], start: float, end: float, think: float, results: Any
) -> None:
    """One server process: a thread per open team page."""
    out: list[tuple[str, float, str]] = []
    threads = [
        threading.Thread(target=_team_loop, args=(target, t, start, end, think, out))
        for t in teams
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(out)


def run(target: str, servers: int, teams: int, seconds: float, think: float) -> dict:
    names = [f"team-{i:03d}" for i in range(teams)]
    Store(target).close()  # the schema made once, before the servers start
    start = time.time() + 5 + teams * 0.02  # every connection made first
    end = start + seconds
    results: Any = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=_server,
            args=(target, names[i::servers], start, end, think, results),
        )
        for i in range(servers)
    ]
    for p in procs:
        p.start()
    samples = [s for _ in procs for s in results.get()]
    for p in procs:
        p.join()
    saved = [s[1] for s in samples if s[0] == "saved"]
    failed = [s for s in samples if s[0] == "failed"]
    return {
        "attempted": len(samples),
        "confirmed": len(saved),
        "failed": len(failed),
        "failures": sorted({s[2] for s in failed})[:5],
        "found": count_rows(target),
        "p50_ms": median(saved) * 1000,
        "p95_ms": percentile(saved, 95) * 1000,
        "saves_per_s": len(saved) / seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--think", type=float, default=0.5, help="pause after each save, seconds"
    )
    parser.add_argument("--processes", type=int, default=4, help="of one server")
    args = parser.parse_args()
    machine = Machine()
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp)
        scenarios: list[tuple[str, str, int]] = [
            ("SQLite, one server", str(folder / "answers.sqlite3"), args.processes)
        ]
        folder.chmod(0o755)  # as root, the cluster runs as postgres, who must get in
        (folder / "pg").mkdir()
        cluster = start_cluster(folder / "pg", durable=True)
        if isinstance(cluster, str):
            print(f"PostgreSQL scenarios skipped: {cluster}")
        else:
            scenarios += [
                ("PostgreSQL, one server", cluster.new_database(), args.processes),
                # Two machines: each its own processes, one database between them.
                ("PostgreSQL, two servers", cluster.new_database(), 2 * args.processes),
            ]
        try:
            for name, target, procs in scenarios:
                print(
                    f"{name}: {args.teams} teams, {procs} processes, "
                    f"{args.seconds:.0f} s ...",
                    flush=True,
                )
                got = run(target, procs, args.teams, args.seconds, args.think)
                # Baseline: the same store with one team alone, after the room.
                solo = run(target, 1, 1, min(5.0, args.seconds), args.think)
                raw[name] = {"room": got, "alone": solo}
                print(f"  {got}", flush=True)
                lost = got["attempted"] - got["found"]
                rows += [
                    Row(f"{name}: saves attempted", got["attempted"]),
                    Row(
                        f"{name}: rows found",
                        got["found"],
                        target=f"= attempted (lost {lost})",
                        met=lost == 0,
                    ),
                    Row(f"{name}: p50 save", got["p50_ms"], solo["p50_ms"], "ms"),
                    Row(f"{name}: p95 save", got["p95_ms"], solo["p95_ms"], "ms"),
                ]
        finally:
            if not isinstance(cluster, str):
                cluster.stop()
    machine.finish("load", args, rows, raw)
    kept = all(g["room"]["attempted"] == g["room"]["found"] for g in raw.values())
    return 0 if kept else 1


if __name__ == "__main__":
    sys.exit(main())
