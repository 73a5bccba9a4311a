"""Benchmark the trainer console on a full Academy: 40 teams x 14 worksheets and
100,000 answer rows. (a) the store queries of the first draw and of a refresh after
one team's save; (b) the console's whole refresh in Python; (c) seconds until the
console page is usable in Chromium against a worksheet page of the same server.

Run from the repository root: ``.venv/bin/python benchmarks/bench_console.py``.
Prints a summary table and writes every raw sample to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _browser import CHROMIUM, CHROMIUM_ARGS, open_until_usable
from _procs import VoilaServer, free_port, stop_all, stop_on_exit
from _report import Machine, Row, median, ratio

from sectorwb import academy, config, content
from sectorwb.cli import voila_command, voila_env
from sectorwb.console import Console
from sectorwb.schema import Table
from sectorwb.teams import START_NOTEBOOK, TRAINER_NOTEBOOK, page_query

ROOT = Path(__file__).resolve().parent.parent
TEAMS = [f"Bench Team {i:02d}" for i in range(1, 41)]
WORKSHEET = "preparing_to_launch"


def _value(question: Any, version: int) -> Any:
    """A typed answer of the question's kind (the version makes each row differ)."""
    text = f"answer {version} of {question.id}"
    if isinstance(question, Table):
        return [{c: f"{text} {c}" for c in question.columns} for _ in range(3)]
    kind = getattr(question, "kind", "")
    if kind == "yes_no":
        return {"answer": "yes", "notes": text}
    if kind == "single_choice":
        return question.options[version % len(question.options)]
    if kind == "multi_choice":
        return question.options[:1]
    if kind == "date":
        return "2027-03-01"
    if kind == "list":
        return [text, "second item"]
    return text


def fill(made: academy.Academy, rows: int) -> int:
    """Save ``rows`` answer rows: every team answers every question, then the same
    answers again (history) until the count is reached; returns rows written."""
    sheets = content.worksheets()
    written, version = 0, 0
    while written < rows:
        version += 1
        for team in TEAMS:
            for ws in sheets:
                answers = {q.id: _value(q, version) for q in ws.questions()}
                made.store.save(team, ws.id, answers)
                written += len(answers)
                if written >= rows:
                    return written
    return written


def figure_queries(made: academy.Academy, runs: int) -> tuple[list[Row], dict]:
    store = made.store
    first = []
    for _ in range(runs):
        t0 = time.perf_counter()
        latest = store.latest_since(0)
        first.append((time.perf_counter() - t0) * 1000)
    last = max(r.id for r in latest)
    refresh, idle = [], []
    ws = content.get(WORKSHEET)
    for i in range(runs):
        store.save(TEAMS[i % len(TEAMS)], ws.id, {"target_sector": f"live {i}"})
        t0 = time.perf_counter()
        new = store.latest_since(last)
        refresh.append((time.perf_counter() - t0) * 1000)
        last = max(r.id for r in new)
        t0 = time.perf_counter()
        store.latest_since(last)
        store.open_pages("2000-01-01")
        made.teams(removed=True, counts=False)
        idle.append((time.perf_counter() - t0) * 1000)
    rows = [
        Row("(a) first draw: every current answer", median(first), unit="ms"),
        Row(
            "(a) refresh after one save (query)",
            median(refresh),
            None,
            "ms",
            "≤ 50 ms",
            median(refresh) <= 50,
        ),
        Row(
            "(a) refresh with nothing new (3 queries)",
            median(idle),
            None,
            "ms",
            "≤ 50 ms",
            median(idle) <= 50,
        ),
    ]
    return rows, {"first_ms": first, "refresh_ms": refresh, "idle_ms": idle}


def figure_console(made: academy.Academy, runs: int) -> tuple[list[Row], dict]:
    """The console's first draw and refresh in Python (its widgets, no kernel)."""
    t0 = time.perf_counter()
    console = Console(made, made.store)
    build_ms = (time.perf_counter() - t0) * 1000
    refresh = []
    for i in range(runs):
        made.store.save(TEAMS[-1 - i % 10], WORKSHEET, {"target_sector": f"again {i}"})
        t0 = time.perf_counter()
        console.refresh()
        refresh.append((time.perf_counter() - t0) * 1000)
    rows = [
        Row("(b) console first draw (Python)", build_ms, unit="ms"),
        Row("(b) console refresh after a save", median(refresh), unit="ms"),
    ]
    return rows, {"build_ms": build_ms, "refresh_ms": refresh}


def figure_browser(
    made: academy.Academy, key: str, data_dir: Path, scratch: Path, runs: int
) -> tuple[list[Row], dict]:
    from playwright.sync_api import sync_playwright

    env = voila_env(data_dir, made.slug)
    env["TMPDIR"] = str(scratch)
    port = free_port()
    cmd = voila_command(ROOT / "workbooks", port, max_kernels_per_client=0)
    server = VoilaServer("sectorwb", cmd, env, port, scratch / "voila.log").start()
    server.settle()
    team = TEAMS[0]
    query = page_query(team, token=made.token(team))
    sheet = f"{server.base_url}/voila/render/{WORKSHEET}.ipynb?{query}"
    trainer = f"{server.base_url}/voila/render/{TRAINER_NOTEBOOK}?key={key}"
    samples: dict[str, list[float]] = {"worksheet": [], "console": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # A server's first page loads its templates: not part of either figure.
            open_until_usable(
                browser, f"{server.base_url}/voila/render/{START_NOTEBOOK}", "Team name"
            )
            for i in range(runs):
                # The answer field of the worksheet; the console's tabs (drawn
                # with its grid, after the store was read).
                order = [("worksheet", sheet, "Target Sector:", None)]
                order.append(("console", trainer, "Report-out", "tab"))
                for name, url, label, role in order if i % 2 == 0 else order[::-1]:
                    got = open_until_usable(browser, url, label, role)
                    samples[name].append(got["usable_s"])
                    server.settle(limit=30)
                    print(
                        f"  (c) run {i + 1} {name}: {got['usable_s']:.2f} s", flush=True
                    )
        finally:
            browser.close()
    t_ws, t_console = median(samples["worksheet"]), median(samples["console"])
    row = Row(
        "(c) console page usable vs a worksheet page",
        t_console,
        t_ws,
        "s",
        "≤ 1.5×",
        ratio(t_console, t_ws) <= 1.5,
    )
    return [row], samples


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000, help="answer rows stored")
    ap.add_argument("--runs", type=int, default=20, help="samples of (a) and (b)")
    ap.add_argument("--page-runs", type=int, default=3, help="page opens in (c)")
    ap.add_argument("--only", choices=["a", "b", "c"], action="append")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    only = set(args.only or "abc")
    stop_on_exit()
    machine = Machine()
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(
        prefix="sectorwb-bench-", ignore_cleanup_errors=True
    ) as t:
        data_dir = Path(t) / "data"
        os.environ[config.DATA_DIR_ENV] = str(data_dir)
        os.environ.pop(config.DB_ENV, None)
        made, key = academy.create("Bench Academy", "demo", TEAMS)
        os.environ[config.ACADEMY_ENV] = made.slug
        t0 = time.perf_counter()
        raw["rows"] = fill(made, args.rows)
        print(f"stored {raw['rows']:,} rows in {time.perf_counter() - t0:.0f} s")
        try:
            if "a" in only:
                r, raw["a"] = figure_queries(made, args.runs)
                rows += r
            if "b" in only:
                r, raw["b"] = figure_console(made, args.runs)
                rows += r
            if "c" in only:
                r, raw["c"] = figure_browser(
                    made, key, data_dir, Path(t), args.page_runs
                )
                rows += r
        finally:
            stop_all()
            made.store.close()
    machine.finish("bench_console", args, rows, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
