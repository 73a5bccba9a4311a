"""Benchmark sectorwb's Voila worksheet against a plain Voila notebook, as ratios.

Run from the repository root: ``.venv/bin/python benchmarks/bench_voila.py``. Prints a
summary table and writes every raw sample to ``benchmarks/out/``. See
``benchmarks/README.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import signal
import sqlite3
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
from _procs import VoilaServer, free_port, stop_all
from _report import Row, median, percentile, ratio, table

import sectorwb
from sectorwb.cli import voila_command, voila_env
from sectorwb.store import Store
from sectorwb.widgets import SAVE_DELAY_S

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKBOOKS = ROOT / "workbooks"
WORKSHEET_ID = "preparing_to_launch"
WORKSHEET_NB = f"{WORKSHEET_ID}.ipynb"
SECTORWB_LABEL = "Target Sector:"
BASELINE_NB = "baseline.ipynb"
BASELINE_LABEL = "Answer:"
PAGE_TIMEOUT_S = 300
WIDGET_MARK = "application/vnd.jupyter.widget-view+json"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # No internet for either side: a CDN that hangs must not decide a figure.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

# The baseline: what a plain Voila notebook with the same stack costs.
BASELINE_CELLS = [
    "import altair as alt\nimport ipywidgets as widgets\nimport pandas as pd",
    'df = pd.DataFrame({"sector": list("ABCDE"), "jobs": [3, 1, 4, 1, 5]})\n'
    'alt.Chart(df).mark_bar().encode(x="sector", y="jobs")',
    f'widgets.Textarea(description="{BASELINE_LABEL}")',
]


def write_baseline(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# Baseline")] + [
        nbformat.v4.new_code_cell(src) for src in BASELINE_CELLS
    ]
    nbformat.write(nb, folder / BASELINE_NB)
    return folder


class Bench:
    """The two servers' recipes and the scratch space of one run."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.baseline_dir = write_baseline(tmp / "baseline-notebooks")
        self._n = 0

    def _scratch(self, name: str) -> Path:
        self._n += 1
        path = self.tmp / f"{self._n:02d}-{name}"
        path.mkdir()
        return path

    def server(self, side: str) -> VoilaServer:
        scratch = self._scratch(side)
        port = free_port()
        if side == "sectorwb":
            self.data_dir = scratch / "data"
            env = voila_env(self.data_dir)
            # Only the data dir decides where answers go; never a real database.
            env.pop("SECTORWB_DB", None)
            env.pop("SECTORWB_WORKSHEETS_DIR", None)
            cmd = voila_command(WORKBOOKS, port)
        else:
            env = dict(os.environ)
            cmd = [
                sys.executable,
                "-m",
                "voila",
                str(self.baseline_dir),
                "--no-browser",
                f"--port={port}",
            ]
        # Connection files and other scratch of Voila and its kernels stay in here.
        env["TMPDIR"] = str(scratch)
        return VoilaServer(side, cmd, env, port, scratch / "voila.log")

    @staticmethod
    def page_url(server: VoilaServer, team: str) -> str:
        if server.name == "sectorwb":
            return f"{server.base_url}/voila/render/{WORKSHEET_NB}?team={team}"
        return f"{server.base_url}/voila/render/{BASELINE_NB}?team={team}"


# -- (a) 30 teams open the page at once ----------------------------------------------
def _fetch(url: str) -> tuple[float, int, bytes]:
    with urllib.request.urlopen(url, timeout=PAGE_TIMEOUT_S) as resp:
        body = resp.read()
        return time.perf_counter(), resp.status, body


def burst(bench: Bench, side: str, pages: int) -> dict[str, Any]:
    server = bench.server(side)
    try:
        t = time.perf_counter()
        server.start()
        ready_s = time.perf_counter() - t
        settle_s = server.settle()
        before = {k.pid for k in server.kernels()}  # e.g. a preheated start-page kernel
        urls = [bench.page_url(server, f"bench-{i}") for i in range(pages)]
        with ThreadPoolExecutor(max_workers=pages) as pool:
            t0 = time.perf_counter()
            futures = [pool.submit(_fetch, u) for u in urls]
            done, bad = [], 0
            for f in futures:
                try:
                    end, status, body = f.result()
                except OSError as exc:
                    bad += 1
                    print(f"  {side}: page failed: {exc}", file=sys.stderr)
                    continue
                text = body.decode("utf-8", "replace")
                if (
                    status != 200
                    or WIDGET_MARK not in text
                    or "</html>" not in text[-200:]
                ):
                    bad += 1
                done.append(end - t0)
        rss = server.kernel_rss_mb(exclude=before)
        return {
            "side": side,
            "all_pages_s": max(done) if done else float("nan"),
            "page_s": sorted(done),
            "bad_pages": bad,
            "kernel_rss_mb": rss,
            "kernels_before": len(before),
            "server_ready_s": ready_s,
            "settle_s": settle_s,
        }
    except BaseException:
        print(server.log_tail(), file=sys.stderr)
        raise
    finally:
        server.stop()


def figure_a(bench: Bench, pages: int, reps: int) -> tuple[list[Row], dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    for rep in range(reps):
        order = ["baseline", "sectorwb"] if rep % 2 == 0 else ["sectorwb", "baseline"]
        for side in order:
            r = burst(bench, side, pages)
            r["rep"] = rep
            runs.append(r)
            rss = r["kernel_rss_mb"]
            print(
                f"  (a) rep {rep + 1} {side:8s}: {pages} pages in {r['all_pages_s']:.2f} s, "
                f"{len(rss)} kernels, mean {sum(rss) / max(len(rss), 1):.0f} MB, max {max(rss, default=0):.0f} MB, bad pages {r['bad_pages']}",
                flush=True,
            )

    def per(side: str, key: str) -> list[Any]:
        return [r[key] for r in runs if r["side"] == side]

    def mean_rss(side: str) -> float:
        return median([sum(x) / len(x) for x in per(side, "kernel_rss_mb") if x])

    def max_rss(side: str) -> float:
        return median([max(x) for x in per(side, "kernel_rss_mb") if x])

    t_s, t_b = (
        median(per("sectorwb", "all_pages_s")),
        median(per("baseline", "all_pages_s")),
    )
    bad = sum(per("sectorwb", "bad_pages")) + sum(per("baseline", "bad_pages"))
    rows = [
        Row(
            f"(a) {pages} pages at once, all arrived",
            t_s,
            t_b,
            "s",
            "≤ 0.33×",
            ratio(t_s, t_b) <= 0.33 and bad == 0,
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
    return rows, {"runs": runs, "bad_pages": bad}


# -- (b) one team in Chromium, and the end-to-end save ---------------------------------
def _loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", None) or url.startswith(
        ("data:", "blob:")
    )


def open_until_usable(browser: Any, url: str, label: str) -> dict[str, Any]:
    """Seconds from ``page.goto`` until the answer field is visible and enabled."""
    context = browser.new_context()
    try:
        page = context.new_page()
        external: list[str] = []
        page.on(
            "request", lambda r: None if _loopback(r.url) else external.append(r.url)
        )
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_S * 1000)
        field = page.get_by_label(label, exact=True)
        field.wait_for(state="visible", timeout=PAGE_TIMEOUT_S * 1000)
        while not field.is_enabled():
            if time.perf_counter() - t0 > PAGE_TIMEOUT_S:
                raise TimeoutError(f"{label} never became enabled at {url}")
            time.sleep(0.005)
        return {
            "usable_s": time.perf_counter() - t0,
            "external_requests": len(external),
        }
    finally:
        context.close()


def e2e_saves(browser: Any, bench: Bench, server: VoilaServer, n: int) -> list[float]:
    """Type into "Target Sector:" and time until the row is in the SQLite file."""
    team = "bench-e2e"
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(bench.page_url(server, team), timeout=PAGE_TIMEOUT_S * 1000)
        field = page.get_by_label(SECTORWB_LABEL, exact=True)
        field.wait_for(state="visible", timeout=PAGE_TIMEOUT_S * 1000)
        db = bench.data_dir / "answers.sqlite3"
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        query = (
            "SELECT value FROM answers WHERE team = ? AND worksheet = ? AND question = ? "
            "ORDER BY id DESC LIMIT 1"
        )
        args = (team, WORKSHEET_ID, "target_sector")
        status = page.locator(".sectorwb-status")
        times = []
        try:
            for i in range(n):
                text = f"Advanced manufacturing {i}"
                want = json.dumps(text, ensure_ascii=False)
                t0 = time.perf_counter()
                field.fill(text)
                while True:
                    row = conn.execute(query, args).fetchone()
                    if row and row[0] == want:
                        break
                    if time.perf_counter() - t0 > 30:
                        raise TimeoutError(f"answer {i} never reached {db}")
                    time.sleep(0.002)
                times.append(time.perf_counter() - t0)
                status.get_by_text("All changes saved at").wait_for(timeout=30_000)
                time.sleep(0.2)
        finally:
            conn.close()
        return times
    finally:
        context.close()


def figure_b(bench: Bench, runs: int, saves: int) -> tuple[list[Row], dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    servers = {side: bench.server(side) for side in ("baseline", "sectorwb")}
    labels = {"baseline": BASELINE_LABEL, "sectorwb": SECTORWB_LABEL}
    samples: dict[str, list[dict[str, Any]]] = {"baseline": [], "sectorwb": []}
    warmup: dict[str, dict[str, Any]] = {}
    try:
        for s in servers.values():
            s.start()
        for s in servers.values():
            s.settle()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            try:
                version = browser.version

                def once(side: str, team: str) -> dict[str, Any]:
                    url = bench.page_url(servers[side], team)
                    r = open_until_usable(browser, url, labels[side])
                    for s in servers.values():
                        s.settle(limit=20)  # the page's kernel has gone idle
                    return r

                for side in servers:  # first render of a template, discarded
                    warmup[side] = once(side, "bench-warmup")
                for i in range(runs):
                    order = (
                        ["baseline", "sectorwb"]
                        if i % 2 == 0
                        else ["sectorwb", "baseline"]
                    )
                    for side in order:
                        r = once(side, f"bench-browser-{i}")
                        samples[side].append(r)
                        print(
                            f"  (b) run {i + 1} {side:8s}: {r['usable_s']:.2f} s",
                            flush=True,
                        )
                e2e = (
                    e2e_saves(browser, bench, servers["sectorwb"], saves)
                    if saves
                    else []
                )
            finally:
                browser.close()
    finally:
        for s in servers.values():
            s.stop()

    t_s = median([r["usable_s"] for r in samples["sectorwb"]])
    t_b = median([r["usable_s"] for r in samples["baseline"]])
    rows = [
        Row(
            "(b) goto → first field usable, median",
            t_s,
            t_b,
            "s",
            "≤ 1.0×",
            ratio(t_s, t_b) <= 1.0,
        )
    ]
    e2e_ms = [x * 1000 for x in e2e]
    debounce_ms = SAVE_DELAY_S * 1000
    if e2e_ms:
        rows += [
            Row(
                f"(c) browser type → row in DB, p50 (n={len(e2e_ms)})",
                percentile(e2e_ms, 50),
                unit="ms",
            ),
            Row("(c) browser type → row in DB, p95", percentile(e2e_ms, 95), unit="ms"),
            Row(
                f"(c)   same p95 minus {debounce_ms:.0f} ms debounce",
                percentile(e2e_ms, 95) - debounce_ms,
                unit="ms",
            ),
        ]
    raw = {
        "chromium": version,
        "warmup": warmup,
        "runs": samples,
        "e2e_ms": e2e_ms,
        "debounce_ms": debounce_ms,
    }
    return rows, raw


# -- (c) one answer save in the store ------------------------------------------------
def figure_c(
    tmp: Path, rows_before: int, saves: int
) -> tuple[list[Row], dict[str, Any]]:
    db = tmp / "store-bench" / "answers.sqlite3"
    store = Store(db)
    questions = [f"q{i:02d}" for i in range(14)]  # the worksheet's size
    teams = [f"team-{i:02d}" for i in range(30)]
    n = 0
    while n < rows_before:
        for team in teams:
            store.save(team, WORKSHEET_ID, {q: f"answer {n} to {q}" for q in questions})
            n += len(questions)
    plain = sqlite3.connect(db)
    plain.execute("PRAGMA journal_mode = WAL")
    plain.execute(
        "PRAGMA synchronous = NORMAL"
    )  # the store's setting, for a fair ratio
    insert = (
        "INSERT INTO answers (team, worksheet, question, value, saved_at) "
        "VALUES (?, ?, ?, ?, ?)"
    )

    def save_store(i: int) -> float:
        t = time.perf_counter()
        store.save("bench-store", WORKSHEET_ID, {"target_sector": f"Sector {i}"})
        return time.perf_counter() - t

    def save_plain(i: int) -> float:
        row = ("bench-plain", WORKSHEET_ID, "target_sector", json.dumps(f"Sector {i}"))
        t = time.perf_counter()
        plain.execute(insert, (*row, datetime.now().isoformat()))
        plain.commit()
        return time.perf_counter() - t

    try:
        for i in range(20):  # warm caches, discarded
            save_store(i)
            save_plain(i)
        s_ms: list[float] = []
        p_ms: list[float] = []
        for i in range(saves):
            pair = (save_store, s_ms), (save_plain, p_ms)
            for fn, out in pair if i % 2 == 0 else reversed(pair):
                out.append(fn(i) * 1000)
        total = plain.execute("SELECT count(*) FROM answers").fetchone()[0]
        mode = plain.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        plain.close()
        store.close()
    rows = [
        Row(
            f"(c) Store.save, p50 (n={saves})",
            percentile(s_ms, 50),
            percentile(p_ms, 50),
            "ms",
        ),
        Row(
            "(c) Store.save, p95",
            percentile(s_ms, 95),
            percentile(p_ms, 95),
            "ms",
            "≤ 20 ms",
            percentile(s_ms, 95) <= 20,
        ),
    ]
    raw = {
        "rows_before": n,
        "rows_after": total,
        "journal_mode": mode,
        "store_ms": s_ms,
        "plain_ms": p_ms,
    }
    return rows, raw


# -- main --------------------------------------------------------------------------------
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


def _on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # so every ``finally`` stops what it started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=30, help="simultaneous pages in (a)")
    ap.add_argument("--reps", type=int, default=2, help="repetitions of (a) per side")
    ap.add_argument("--browser-runs", type=int, default=5, help="runs per side in (b)")
    ap.add_argument("--e2e-saves", type=int, default=20, help="browser saves in (c)")
    ap.add_argument(
        "--store-saves", type=int, default=500, help="Store.save calls in (c)"
    )
    ap.add_argument(
        "--store-rows", type=int, default=10_000, help="rows already stored"
    )
    ap.add_argument(
        "--only",
        choices=["a", "b", "c"],
        action="append",
        help="run only these figures (repeatable)",
    )
    args = ap.parse_args(argv)
    only = set(args.only or "abc")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    atexit.register(stop_all)

    facts = machine()
    started = time.time()
    print(
        f"cores {facts['cores']}, load average at start "
        f"{' '.join(f'{x:.2f}' for x in facts['load_avg'])}",
        flush=True,
    )
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(
        prefix="sectorwb-bench-", ignore_cleanup_errors=True
    ) as t:
        tmp = Path(t)
        bench = Bench(tmp)
        try:
            if "a" in only:
                print(
                    f"(a) {args.pages} simultaneous pages, {args.reps} reps per side",
                    flush=True,
                )
                r, raw["a"] = figure_a(bench, args.pages, args.reps)
                rows += r
            if "b" in only:
                print(
                    f"(b) Chromium, {args.browser_runs} runs per side; "
                    f"(c) {args.e2e_saves} browser saves",
                    flush=True,
                )
                r, raw["b"] = figure_b(bench, args.browser_runs, args.e2e_saves)
                rows += [x for x in r if x.figure.startswith("(b)")]
                e2e_rows = [x for x in r if x.figure.startswith("(c)")]
            else:
                e2e_rows = []
            if "c" in only:
                print(
                    f"(c) Store.save on ~{args.store_rows} rows, {args.store_saves} saves",
                    flush=True,
                )
                r, raw["c"] = figure_c(tmp, args.store_rows, args.store_saves)
                rows += r
            rows += e2e_rows
        finally:
            stop_all()

    facts["load_avg_end"] = os.getloadavg()
    facts["duration_s"] = time.time() - started
    print()
    print(table(rows))
    print()
    print(
        f"machine: {facts['cores']} cores, load average start "
        f"{' '.join(f'{x:.2f}' for x in facts['load_avg'])}, end "
        f"{' '.join(f'{x:.2f}' for x in facts['load_avg_end'])}; "
        f"Python {facts['python']}, Voila {facts['voila']}, ipywidgets "
        f"{facts['ipywidgets']}"
        + (f", Chromium {raw['b']['chromium']}" if "b" in raw else "")
        + f"; run took {facts['duration_s'] / 60:.1f} min"
    )
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    path = out / f"bench_voila-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(
        json.dumps(
            {
                "machine": facts,
                "args": vars(args),
                "summary": [x.as_dict() for x in rows],
                "raw": raw,
            },
            indent=1,
            default=str,
        )
    )
    print(f"raw samples: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
