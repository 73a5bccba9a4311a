"""Figure (b), one team in Chromium, and the browser half of (c): type, then saved."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any
from urllib.parse import urlsplit

from _procs import VoilaServer
from _report import Row, median, percentile, ratio
from _sides import LABELS, SECTORWB_LABEL, WORKSHEET_ID, Bench

from sectorwb.widgets import SAVE_DELAY_S

TIMEOUT_S = 300
CHROMIUM = "/usr/bin/chromium"
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


def _loopback(url: str) -> bool:
    if url.startswith(("data:", "blob:")):
        return True
    return urlsplit(url).hostname in ("127.0.0.1", "localhost")


def open_until_usable(
    browser: Any, url: str, label: str, role: str | None = None
) -> dict[str, Any]:
    """Seconds from ``page.goto`` until the answer field (or the element of ``role``
    named ``label``) is visible and enabled.

    A fresh context per run: every run starts with an empty browser cache."""
    context = browser.new_context()
    try:
        page = context.new_page()
        external: list[str] = []
        page.on("request", lambda r: _loopback(r.url) or external.append(r.url))
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=TIMEOUT_S * 1000)
        field = (
            page.get_by_role(role, name=label, exact=True)
            if role
            else page.get_by_label(label, exact=True)
        )
        field.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
        while not field.is_enabled():
            if time.perf_counter() - t0 > TIMEOUT_S:
                raise TimeoutError(f"{label} never became enabled at {url}")
            time.sleep(0.005)
        return {"usable_s": time.perf_counter() - t0, "external_requests": external}
    finally:
        context.close()


def e2e_saves(browser: Any, bench: Bench, server: VoilaServer, n: int) -> list[float]:
    """Seconds from typing into "Target Sector:" until its row is in the SQLite file."""
    team = "bench-e2e"
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(bench.page_url(server, team), timeout=TIMEOUT_S * 1000)
        field = page.get_by_label(SECTORWB_LABEL, exact=True)
        field.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
        status = page.locator(".sectorwb-status")
        db = bench.data_dir / "answers.sqlite3"
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        query = (
            "SELECT value FROM answers WHERE team = ? AND worksheet = ? "
            "AND question = ? ORDER BY id DESC LIMIT 1"
        )
        key = (team, WORKSHEET_ID, "target_sector")
        times = []
        try:
            for i in range(n):
                text = f"Advanced manufacturing {i}"
                want = json.dumps(text, ensure_ascii=False)
                t0 = time.perf_counter()
                field.fill(text)  # one input event, like a paste
                while (row := conn.execute(query, key).fetchone()) is None or (
                    row[0] != want
                ):
                    if time.perf_counter() - t0 > 30:
                        raise TimeoutError(f"answer {i} never reached {db}")
                    time.sleep(0.002)
                times.append(time.perf_counter() - t0)
                # The page must say so too; then a pause before the next answer.
                status.get_by_text("All changes saved at").wait_for(timeout=30_000)
                time.sleep(0.2)
        finally:
            conn.close()
        return times
    finally:
        context.close()


def figure_b(bench: Bench, runs: int, saves: int) -> tuple[list[Row], dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    sides = ("baseline", "sectorwb")
    servers = {side: bench.server(side) for side in sides}
    samples: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    warmup: dict[str, dict[str, Any]] = {}
    try:
        for s in servers.values():
            s.start()
        for s in servers.values():
            s.settle()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                version = browser.version

                def once(side: str, team: str) -> dict[str, Any]:
                    url = bench.page_url(servers[side], team)
                    r = open_until_usable(browser, url, LABELS[side])
                    for s in servers.values():
                        s.settle(limit=20)  # the page's new kernel has gone idle
                    return r

                for side in sides:  # a server's first render loads its templates
                    warmup[side] = once(side, "bench-warmup")
                for i in range(runs):
                    for side in sides if i % 2 == 0 else reversed(sides):
                        r = once(side, f"bench-browser-{i}")
                        samples[side].append(r)
                        print(
                            f"  (b) run {i + 1} {side:8s}: {r['usable_s']:.2f} s",
                            flush=True,
                        )
                e2e = e2e_saves(browser, bench, servers["sectorwb"], saves)
            finally:
                browser.close()
    finally:
        for s in servers.values():
            s.stop()

    t_s = median([r["usable_s"] for r in samples["sectorwb"]])
    t_b = median([r["usable_s"] for r in samples["baseline"]])
    rows = [
        Row(
            f"(b) goto → first field usable, median (n={runs})",
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
        p95 = percentile(e2e_ms, 95)
        rows += [
            Row(
                f"(c) browser type → row in DB, p50 (n={len(e2e_ms)})",
                percentile(e2e_ms, 50),
                unit="ms",
            ),
            Row("(c) browser type → row in DB, p95", p95, unit="ms"),
            Row(
                f"(c)   same p95 minus the {debounce_ms:.0f} ms debounce",
                p95 - debounce_ms,
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
