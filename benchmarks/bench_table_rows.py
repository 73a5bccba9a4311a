"""Benchmark a long table in a real kernel: 200 "Add a row" clicks and pages with
1,000 and 10,000 saved rows, each as a ratio to a fresh page measured in the same run.

Run from the repository root: ``.venv/bin/python benchmarks/bench_table_rows.py``.
Prints a summary table and writes every raw sample to ``benchmarks/out/``. See
``benchmarks/README.md`` for what each figure means and how it is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from _browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_S
from _procs import VoilaServer, stop_all, stop_on_exit
from _report import Machine, Row, median, ratio
from _sides import WORKSHEET_ID, Bench

from sectorwb import content
from sectorwb.rows import PAGE_ROWS
from sectorwb.store import Store

TABLE = content.get(WORKSHEET_ID).action_table.as_question()
FIRST = TABLE.columns[0]
BLOCK = 25  # clicks timed together


def _rows(n: int) -> list[dict[str, str]]:
    """A team's long action table: short, different texts in every cell."""
    first, *others = TABLE.columns
    return [
        {first: f"Call employer {i + 1} about the launch meeting"}
        | {c: f"{c} {i + 1}" for c in others}
        for i in range(n)
    ]


def _kernel_rss_mb(server: VoilaServer, page: Any) -> float:
    """RSS of the page's own kernel (found by its connection file name)."""
    kid = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent)"
        ".kernelId"
    )
    for proc in server.kernels():
        with contextlib.suppress(psutil.Error):
            if any(f"kernel-{kid}.json" in part for part in proc.cmdline()):
                return proc.memory_info().rss / 2**20
    raise RuntimeError(f"no kernel process for kernel {kid}")


def _open(browser: Any, server: VoilaServer, team: str, rows: int) -> tuple[Any, float]:
    """A fresh context's page of one team; seconds until the table's last shown row
    (and, for a long table, its "Rows 1–50 of N") is visible."""
    page = browser.new_context().new_page()
    t0 = time.perf_counter()
    page.goto(Bench.page_url(server, team), timeout=TIMEOUT_S * 1000)
    last = min(rows, PAGE_ROWS)
    wait = {"timeout": TIMEOUT_S * 1000}
    page.get_by_label(f"{FIRST}, row {last}", exact=True).wait_for(**wait)
    if rows > PAGE_ROWS:
        page.get_by_text(f"Rows 1–{PAGE_ROWS} of {rows:,}").wait_for(**wait)
    return page, time.perf_counter() - t0


def figure_clicks(
    browser: Any, server: VoilaServer, clicks: int
) -> tuple[list[Row], dict[str, Any]]:
    """(a) RSS of one page's kernel fresh and after ``clicks`` "Add a row" clicks,
    each waiting for its row to appear; time of the first and last block of 25."""
    start = len(TABLE.empty())
    page, _ = _open(browser, server, "bench-clicks", start)
    server.settle()
    fresh_mb = _kernel_rss_mb(server, page)
    # The next-steps table is the page's last; its first rows leave as pages turn.
    add = page.get_by_role("button", name="Add a row").last
    blocks: list[float] = []
    for b in range(clicks // BLOCK):
        t0 = time.perf_counter()
        for k in range(BLOCK):
            n = start + b * BLOCK + k + 1
            add.click()
            page.get_by_label(f"{FIRST}, row {n}", exact=True).wait_for(
                timeout=TIMEOUT_S * 1000
            )
        blocks.append(time.perf_counter() - t0)
        print(
            f"  (a) clicks {b * BLOCK + 1}-{(b + 1) * BLOCK}: {blocks[-1]:.2f} s",
            flush=True,
        )
    page.locator(".sectorwb-status").get_by_text("All changes saved at").wait_for(
        timeout=TIMEOUT_S * 1000
    )
    server.settle()
    after_mb = _kernel_rss_mb(server, page)
    page.context.close()
    rows = [
        Row(
            f"(a) kernel RSS after {clicks} clicks vs fresh",
            after_mb,
            fresh_mb,
            "MB",
            "≤ 1.5×",
            ratio(after_mb, fresh_mb) <= 1.5,
        ),
        Row(
            f"(a) last {BLOCK} clicks vs first {BLOCK}",
            blocks[-1],
            blocks[0],
            "s",
            "≤ 1.5×",
            ratio(blocks[-1], blocks[0]) <= 1.5,
        ),
    ]
    raw = {"fresh_mb": fresh_mb, "after_mb": after_mb, "block_s": blocks}
    return rows, raw


def figure_open(
    browser: Any, server: VoilaServer, sizes: list[int], runs: int
) -> tuple[list[Row], dict[str, Any]]:
    """(b) Seconds until a page with ``n`` saved rows shows its first page of rows,
    and its kernel's RSS, against a page of the same worksheet with none saved."""
    store = Store(bench_db(server))
    for n in sizes:
        store.save(f"bench-open-{n}", WORKSHEET_ID, {TABLE.id: _rows(n)})
    store.close()
    fresh = len(TABLE.empty())
    sides = [("fresh", fresh), *((f"{n:,} rows", n) for n in sizes)]
    samples: dict[str, list[dict[str, float]]] = {name: [] for name, _ in sides}
    for i in range(runs):
        for name, n in sides if i % 2 == 0 else reversed(sides):
            team = "bench-open-fresh" if name == "fresh" else f"bench-open-{n}"
            page, seconds = _open(browser, server, team, n)
            server.settle(limit=30)
            samples[name].append(
                {"open_s": seconds, "rss_mb": _kernel_rss_mb(server, page)}
            )
            page.context.close()
            print(f"  (b) run {i + 1} {name:>12s}: {seconds:.2f} s", flush=True)

    def med(name: str, key: str) -> float:
        return median([s[key] for s in samples[name]])

    t0 = med("fresh", "open_s")
    rows = []
    for name, _ in sides[1:]:
        # A full page has ten times the rows of the fresh table: no target here.
        rows.append(
            Row(f"(b) open with {name} saved, median", med(name, "open_s"), t0, "s")
        )
        rows.append(
            Row(
                "(b)   its kernel RSS",
                med(name, "rss_mb"),
                med("fresh", "rss_mb"),
                "MB",
            )
        )
    if len(sides) > 2:
        # Paging's promise: opening does not depend on how many rows are saved.
        (small, _), (big, _) = sides[1], sides[-1]
        t_small, t_big = med(small, "open_s"), med(big, "open_s")
        rows.append(
            Row(
                f"(b) open with {big} vs {small}",
                t_big,
                t_small,
                "s",
                "≤ 1.2×",
                ratio(t_big, t_small) <= 1.2,
            )
        )
    return rows, {"runs": samples}


def bench_db(server: VoilaServer) -> Path:
    return Path(server.env["SECTORWB_DATA_DIR"]) / "answers.sqlite3"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clicks", type=int, default=200, help="'Add a row' clicks in (a)")
    ap.add_argument("--runs", type=int, default=3, help="page opens per side in (b)")
    ap.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1_000, 10_000],
        help="saved rows in (b)",
    )
    ap.add_argument("--only", choices=["a", "b"], action="append")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    args = parse_args(argv)
    only = set(args.only or "ab")
    stop_on_exit()
    machine = Machine()
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(
        prefix="sectorwb-bench-", ignore_cleanup_errors=True
    ) as t:
        bench = Bench(Path(t))
        server = bench.server("sectorwb")
        try:
            server.start()
            server.settle()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                try:
                    _open(browser, server, "bench-warmup", len(TABLE.empty()))[
                        0
                    ].context.close()  # a server's first page loads its templates
                    if "a" in only:
                        print(f"(a) {args.clicks} 'Add a row' clicks", flush=True)
                        r, raw["a"] = figure_clicks(browser, server, args.clicks)
                        rows += r
                    if "b" in only:
                        print(
                            f"(b) open pages with {args.sizes} saved rows", flush=True
                        )
                        r, raw["b"] = figure_open(
                            browser, server, args.sizes, args.runs
                        )
                        rows += r
                    raw["chromium"] = browser.version
                finally:
                    browser.close()
        finally:
            stop_all()
    machine.finish("bench_table_rows", args, rows, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
