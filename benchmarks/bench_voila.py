"""Benchmark sectorwb's Voila worksheet against a plain Voila notebook, as ratios.

Run from the repository root: ``.venv/bin/python benchmarks/bench_voila.py``. Prints a
summary table and writes every raw sample to ``benchmarks/out/``. See
``benchmarks/README.md`` for what each figure means and how it is measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from pathlib import Path
from typing import Any

from _browser import figure_b
from _procs import stop_all, stop_on_exit
from _report import Row, median, ratio, run_report, save_raw, table
from _sides import ROOT, Bench, worksheet_widget_models
from _store_bench import figure_c

import sectorwb

BURST_DEADLINE_S = 150  # every page of one burst, at most
# Voila embeds a view of every displayed widget: the page's output did arrive.
WIDGET_MARK = "application/vnd.jupyter.widget-view+json"
# What Voila logs when a kernel cannot bind the TCP port it was given, and gives up.
PORT_CLASH = "Address already in use"
KERNEL_DIED = "died, removing from map"


# -- (a) 30 teams open the page at once ----------------------------------------------
def _fetch(url: str) -> tuple[float, int, str]:
    # Voila sends heartbeats while a kernel starts, so a socket timeout never fires
    # for a page whose kernel died: the caller enforces a deadline instead.
    with urllib.request.urlopen(url, timeout=BURST_DEADLINE_S) as resp:
        body = resp.read()  # the whole page: Voila streams it as cells execute
        return time.perf_counter(), resp.status, body.decode("utf-8", "replace")


def burst(bench: Bench, side: str, pages: int) -> dict[str, Any]:
    """A fresh server, then ``pages`` simultaneous GETs, each with its own team."""
    server = bench.server(side)
    try:
        t = time.perf_counter()
        server.start()
        ready_s = time.perf_counter() - t
        settle_s = server.settle()
        before = {k.pid for k in server.kernels()}  # e.g. a preheated start-page kernel
        cpu0 = server.cpu_split(exclude=before)
        urls = [bench.page_url(server, f"bench-{i}") for i in range(pages)]
        arrived: list[float] = []
        bad = hung = 0
        pool = ThreadPoolExecutor(max_workers=pages)
        try:
            t0 = time.perf_counter()
            for future in [pool.submit(_fetch, u) for u in urls]:
                left = max(0.0, t0 + BURST_DEADLINE_S - time.perf_counter())
                try:
                    end, status, text = future.result(timeout=left)
                except FuturesTimeout:
                    bad, hung = bad + 1, hung + 1
                    continue
                except OSError as exc:
                    bad += 1
                    print(f"  {side}: a page failed: {exc}", file=sys.stderr)
                    continue
                if status != 200 or WIDGET_MARK not in text or "</html>" not in text:
                    bad += 1
                arrived.append(end - t0)
        finally:
            # Stopping the server below ends any fetch still waiting.
            pool.shutdown(wait=False, cancel_futures=True)
        rss = server.kernel_rss_mb(exclude=before)
        cpu1 = server.cpu_split(exclude=before)
        return {
            "side": side,
            "all_pages_s": max(arrived) if not bad else float("nan"),
            "page_s": sorted(arrived),
            "bad_pages": bad,
            "hung_pages": hung,
            "kernel_rss_mb": rss,
            "kernels_before": len(before),
            "server_cpu_s": cpu1[0] - cpu0[0],
            "kernels_cpu_s": cpu1[1] - cpu0[1],
            "port_clashes": server.log_count(PORT_CLASH),
            "kernels_died": server.log_count(KERNEL_DIED),
            "server_ready_s": ready_s,
            "settle_s": settle_s,
        }
    except Exception:
        print(server.log_tail(), file=sys.stderr)
        raise
    finally:
        server.stop()


def figure_a(
    bench: Bench, pages: int, reps: int, floor: bool
) -> tuple[list[Row], dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    sides = ["baseline", "floor", "sectorwb"] if floor else ["baseline", "sectorwb"]
    for rep in range(reps):
        # Alternate the order so a drift in machine load hits every side alike.
        for side in sides if rep % 2 == 0 else reversed(sides):
            for attempt in (1, 2):  # one retry when a page never arrived
                r = burst(bench, side, pages)
                r["rep"], r["attempt"] = rep, attempt
                rss = r["kernel_rss_mb"]
                print(
                    f"  (a) rep {rep + 1} {side:8s}: {pages} pages in "
                    f"{r['all_pages_s']:.2f} s, {len(rss)} kernels, mean "
                    f"{sum(rss) / max(len(rss), 1):.0f} MB, max "
                    f"{max(rss, default=0):.0f} MB; CPU server "
                    f"{r['server_cpu_s']:.1f} s, kernels {r['kernels_cpu_s']:.1f} s",
                    flush=True,
                )
                if r["port_clashes"]:
                    print(
                        f"      {r['port_clashes']} kernel port clashes, "
                        f"{r['kernels_died']} kernels died",
                        flush=True,
                    )
                if not r["bad_pages"]:
                    runs.append(r)
                    break
                print(
                    f"      {r['bad_pages']} pages failed ({r['hung_pages']} never "
                    "arrived); this run does not count",
                    flush=True,
                )
                failed.append(r)

    def per(side: str, key: str) -> list[Any]:
        return [r[key] for r in runs if r["side"] == side]

    def mean_rss(side: str) -> float:
        return median([sum(x) / len(x) for x in per(side, "kernel_rss_mb") if x])

    def max_rss(side: str) -> float:
        return median([max(x) for x in per(side, "kernel_rss_mb") if x])

    t_s = median(per("sectorwb", "all_pages_s"))
    t_b = median(per("baseline", "all_pages_s"))
    rows = [
        Row(
            f"(a) {pages} pages at once, all arrived",
            t_s,
            t_b,
            "s",
            "≤ 0.33×",
            ratio(t_s, t_b) <= 0.33,
        ),
        Row(
            "(a) kernel RSS, mean per kernel",
            mean_rss("sectorwb"),
            mean_rss("baseline"),
            "MB",
        ),
        Row(
            "(a) kernel RSS, max per kernel",
            max_rss("sectorwb"),
            max_rss("baseline"),
            "MB",
            "≤ 100 MB",
            max_rss("sectorwb") <= 100,
        ),
    ]
    raw: dict[str, Any] = {"runs": runs, "failed_runs": failed, "cpu_per_page_s": {}}
    for side in sides:  # where the time goes: the one server process, or the kernels
        raw["cpu_per_page_s"][side] = {
            "server": median(per(side, "server_cpu_s")) / pages,
            "kernel": median(per(side, "kernels_cpu_s")) / pages,
        }
    if floor:
        t_f = median(per("floor", "all_pages_s"))
        raw["floor"] = {
            "all_pages_s": t_f,
            "ratio_to_baseline": ratio(t_f, t_b),
            "kernel_rss_mean_mb": mean_rss("floor"),
        }
    return rows, raw


# -- main ------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    import ipywidgets
    import voila

    return {
        "cores": os.cpu_count(),
        "load_avg": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "voila": voila.__version__,
        "ipywidgets": ipywidgets.__version__,
        "sectorwb": str(Path(sectorwb.__file__).parent),
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=30, help="simultaneous pages in (a)")
    ap.add_argument("--reps", type=int, default=2, help="repetitions of (a) per side")
    ap.add_argument("--browser-runs", type=int, default=5, help="runs per side in (b)")
    ap.add_argument("--e2e-saves", type=int, default=20, help="browser saves in (c)")
    ap.add_argument("--store-saves", type=int, default=500, help="Store.save calls")
    ap.add_argument("--store-rows", type=int, default=10_000, help="rows stored first")
    ap.add_argument(
        "--no-floor", action="store_true", help="skip the ipywidgets-only reference"
    )
    ap.add_argument(
        "--only",
        choices=["a", "b", "c"],
        action="append",
        help="run only this figure (repeatable); (b) includes the browser saves",
    )
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    only = set(args.only or "abc")
    stop_on_exit()

    facts = machine()
    started = time.time()
    print(f"cores {facts['cores']}, load average at start {_load()}", flush=True)
    rows: list[Row] = []
    raw: dict[str, Any] = {"load_avg": {}, "widget_models": worksheet_widget_models()}
    late: list[Row] = []  # the browser saves belong under (c) in the table
    with tempfile.TemporaryDirectory(
        prefix="sectorwb-bench-", ignore_cleanup_errors=True
    ) as t:
        tmp = Path(t)
        bench = Bench(tmp)
        try:
            if "a" in only:
                print(f"(a) {args.pages} pages at once, {args.reps} reps per side")
                r, raw["a"] = figure_a(bench, args.pages, args.reps, not args.no_floor)
                rows += r
                raw["load_avg"]["after_a"] = os.getloadavg()
            if "b" in only:
                print(
                    f"(b) Chromium, {args.browser_runs} runs per side, then "
                    f"{args.e2e_saves} browser saves",
                    flush=True,
                )
                r, raw["b"] = figure_b(bench, args.browser_runs, args.e2e_saves)
                rows += [x for x in r if x.figure.startswith("(b)")]
                late = [x for x in r if not x.figure.startswith("(b)")]
                raw["load_avg"]["after_b"] = os.getloadavg()
            if "c" in only:
                print(f"(c) Store.save on ~{args.store_rows} rows", flush=True)
                r, raw["c"] = figure_c(tmp, args.store_rows, args.store_saves)
                rows += r
            rows += late
        finally:
            stop_all()

    facts["load_avg_end"] = os.getloadavg()
    facts["duration_s"] = time.time() - started
    print()
    print(table(rows))
    if "floor" in raw.get("a", {}):
        fl = raw["a"]["floor"]
        print(
            f"\nreference: a plain Voila notebook with only ipywidgets took "
            f"{fl['all_pages_s']:.2f} s for {args.pages} pages "
            f"({fl['ratio_to_baseline']:.2f}× the baseline) at "
            f"{fl['kernel_rss_mean_mb']:.0f} MB per kernel: the floor of any Voila page"
        )
    if "a" in raw:
        cpu = raw["a"]["cpu_per_page_s"]
        print(
            "\nCPU seconds per page (median of reps), Voila server + kernel: "
            + "; ".join(
                f"{side} {c['server']:.2f} + {c['kernel']:.2f}"
                for side, c in cpu.items()
            )
        )
    for r in raw.get("a", {}).get("failed_runs", []):
        print(
            f"\nnote: a {r['side']} burst lost {r['bad_pages']} of {args.pages} pages "
            f"({r['hung_pages']} never arrived; its log: {r['port_clashes']} kernel "
            f"port clashes, {r['kernels_died']} kernels died) and was run again"
        )
    wm = raw["widget_models"]
    print(
        f"\nthe worksheet page creates {wm['models']} widget models, "
        f"{wm['layout_and_style']} of them Layout/Style (each one a comm)"
    )
    browser = f", Chromium {raw['b']['chromium']}" if "b" in raw else ""
    print(
        f"\nmachine: {facts['cores']} cores; load average (1, 5, 15 min) at start "
        f"{' '.join(f'{x:.2f}' for x in facts['load_avg'])}, at end {_load()}; "
        f"Python {facts['python']}, Voila {facts['voila']}, ipywidgets "
        f"{facts['ipywidgets']}{browser}; run took {facts['duration_s'] / 60:.1f} min"
    )
    path = save_raw("bench_voila", run_report(args, rows, raw, machine=facts))
    print(f"raw samples: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
