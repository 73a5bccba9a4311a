"""Benchmark: what a Step 2 (LMI explorer) page's kernel costs in memory, as a ratio to
a "Preparing to Launch" page's kernel measured in the same run.

Run from the repository root: ``.venv/bin/python benchmarks/bench_lmi_memory.py``.
(a) opens both pages in Chromium through one sectorwb Voila server and measures each
page's own kernel (USS and RSS) once it is usable and quiet; (b) runs the same steps in
one kernel started with sectorwb's kernel spec and prints the memory after each step,
the heavy libraries it has imported by then and what tracemalloc saw, to show where the
memory goes. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from _browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_S
from _procs import VoilaServer, stop_all, stop_on_exit
from _report import Machine, Row, median
from _sides import ROOT, SECTORWB_LABEL, Bench

from sectorwb.cli import voila_env

REAL_SAMPLE = Path(
    "/work/shared/data/qcew/qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv"
)
TARGET_MB = 150
# The libraries a Step 2 kernel may import, heaviest first (checked in sys.modules).
HEAVY = ("vl_convert", "altair", "jsonschema", "pandas", "pyarrow", "numpy", "yaml")
# Step 2 is usable once its charts are drawn and the shortlist picker has industries.
STEP2_READY = ".sectorwb-chart svg"


def make_regions(folder: Path, sample: Path | None) -> list[str]:
    """The demo region (copied), and a region made from a real BLS sample with the
    trainer's command, as a trainer would; returns the slugs."""
    # A copy has no views yet: the warm-up page builds them, as on a fresh install.
    shutil.copytree(
        ROOT / "data" / "regions" / "demo",
        folder / "demo",
        ignore=shutil.ignore_patterns(".*"),
    )
    slugs = ["demo"]
    if sample is not None and sample.is_file():
        # The run's own data folder: the QCEW cache it writes is the run's too.
        env = voila_env(folder.parent / "region-new-data")
        env["SECTORWB_REGIONS_DIR"] = str(folder)
        cmd = [
            str(Path(sys.executable).with_name("sectorwb")),
            "region",
            "new",
            "delaware",
        ]
        cmd += ["--qcew", str(sample), "--counties", "10001,10003,10005"]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        slugs.append("delaware")
    return slugs


def kernel_memory(proc: psutil.Process) -> dict[str, float]:
    """USS (pages only this kernel holds: what one more kernel adds) and RSS (also the
    shared library pages every kernel maps once), in MB."""
    info = proc.memory_full_info()
    return {"uss_mb": info.uss / 2**20, "rss_mb": info.rss / 2**20}


def _page_kernel(server: VoilaServer, page: Any) -> tuple[str, psutil.Process]:
    kid = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent)"
        ".kernelId"
    )
    found = server.kernel_of(kid)
    if not found:
        raise RuntimeError(f"no kernel process for kernel {kid}")
    return kid, found[0]


def open_page(
    browser: Any, server: VoilaServer, which: str, team: str
) -> tuple[dict[str, Any], str]:
    """One page in a fresh context: seconds until usable, then its kernel's memory
    once the server and kernels are quiet. The kernel is shut down afterwards."""
    context = browser.new_context()
    try:
        page = context.new_page()
        wait = {"timeout": TIMEOUT_S * 1000}
        t0 = time.perf_counter()
        if which == "launch":
            page.goto(Bench.page_url(server, team), **wait)
            page.get_by_label(SECTORWB_LABEL, exact=True).wait_for(**wait)
        else:
            url = f"{server.base_url}/voila/render/step2_scope.ipynb?team={team}"
            page.goto(f"{url}&region={which}", **wait)
            page.locator(STEP2_READY).nth(2).wait_for(**wait)
            page.get_by_text("meet at least one criterion").wait_for(**wait)
        usable_s = time.perf_counter() - t0
        server.settle(limit=30)
        kid, proc = _page_kernel(server, page)
        shown = page.locator(STEP2_READY).count()
        return {"usable_s": usable_s, "charts": shown, **kernel_memory(proc)}, kid
    finally:
        context.close()


def figure_pages(
    browser: Any, server: VoilaServer, slugs: list[str], runs: int
) -> tuple[list[Row], dict[str, Any]]:
    sides = ["launch", *slugs]
    samples: dict[str, list[dict[str, Any]]] = {s: [] for s in sides}
    for side in sides:  # warm-up: templates, the worksheet and QCEW caches
        _, kid = open_page(browser, server, side, f"bench-warm-{side}")
        server.shutdown_kernel(kid)
    for i in range(runs):
        for side in sides if i % 2 == 0 else reversed(sides):
            r, kid = open_page(browser, server, side, f"bench-{side}-{i}")
            server.shutdown_kernel(kid)
            samples[side].append(r)
            print(
                f"  run {i + 1} {side:9s}: usable in {r['usable_s']:.1f} s, kernel "
                f"USS {r['uss_mb']:.0f} MB, RSS {r['rss_mb']:.0f} MB",
                flush=True,
            )

    def med(side: str, key: str) -> float:
        return median([r[key] for r in samples[side]])

    rows = []
    for slug in slugs:
        for key, unit in (("uss_mb", "USS"), ("rss_mb", "RSS")):
            step2 = med(slug, key)
            rows.append(
                Row(
                    f"Step 2 ({slug}) kernel {unit} vs Preparing to Launch",
                    step2,
                    med("launch", key),
                    "MB",
                    f"≤ {TARGET_MB} MB",
                    step2 <= TARGET_MB,
                )
            )
        rows.append(Row(f"Step 2 ({slug}) usable", med(slug, "usable_s"),
                        med("launch", "usable_s"), "s"))  # fmt: skip
    return rows, {"runs": samples}


# -- (b) where the memory goes: the page's steps in one kernel --------------------
_SETUP = """
import gc, json, sys, tracemalloc
if {traced}:  # tracemalloc's own bookkeeping adds to USS: only on request
    tracemalloc.start()
def _probe():
    gc.collect()
    heavy = [m for m in {heavy!r} if m in sys.modules]
    print(json.dumps({{"traced_mb": tracemalloc.get_traced_memory()[0] / 2**20,
                       "heavy": heavy}}))
"""
STEPS = [
    ("kernel started", ""),
    ("import sectorwb.app, sectorwb.widgets", "import sectorwb.app, sectorwb.widgets"),
    (
        "Step 2 form built",
        "from sectorwb import content, widgets\n"
        "form = widgets.WorksheetForm(content.get('step2_scope'))\n"
        "explorer = form.explorers[0]",
    ),
    ("region shown (sector, private)", "explorer.use_region({slug!r})"),
    (
        "finest level offered, all ownerships",
        # A control's change redraws (the explorer observes them): no refresh() here.
        "explorer.level.value = explorer.level.options[-1][1]\n"
        "explorer.ownership.value = 'all'",
    ),
    ("stricter thresholds", "explorer.min_share.value = 5.0"),
]


def _run(client: Any, code: str) -> str:
    """Execute ``code``; its stdout, or an error with the kernel's traceback."""
    out: list[str] = []
    reply = client.execute_interactive(
        code, timeout=TIMEOUT_S, output_hook=lambda m: _collect(m, out)
    )
    if reply["content"]["status"] != "ok":
        raise RuntimeError("kernel step failed:\n" + "\n".join(out))
    return "".join(out)


def _collect(msg: dict[str, Any], out: list[str]) -> None:
    content = msg["content"]
    if msg["msg_type"] == "stream":
        out.append(content["text"])
    elif msg["msg_type"] == "error":
        out.append("\n".join(content["traceback"]))


def figure_steps(env: dict[str, str], slug: str, traced: bool) -> list[dict[str, Any]]:
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(ROOT / "workbooks"))
    steps: list[dict[str, Any]] = []
    try:
        client = km.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        proc = psutil.Process(km.provisioner.pid)
        _run(client, _SETUP.format(heavy=HEAVY, traced=traced))
        for label, code in STEPS:
            if code:
                _run(client, code.format(slug=slug))
            probe = json.loads(_run(client, "_probe()").strip().splitlines()[-1])
            steps.append({"step": label, **kernel_memory(proc), **probe})
        client.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    return steps


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="page opens per page in (a)")
    ap.add_argument(
        "--sample", type=Path, default=REAL_SAMPLE,
        help="a real BLS QCEW CSV for a second region (skipped when missing)",
    )  # fmt: skip
    ap.add_argument("--only", choices=["a", "b"], action="append")
    ap.add_argument(
        "--tracemalloc", action="store_true",
        help="(b): also what Python allocated (tracemalloc inflates USS/RSS)",
    )  # fmt: skip
    return ap.parse_args(argv)


def run_pages(
    tmp: Path, regions: Path, slugs: list[str], runs: int
) -> tuple[list[Row], dict[str, Any]]:
    """(a) on one sectorwb server (as ``bench_voila.py`` starts it) and one Chromium."""
    from playwright.sync_api import sync_playwright

    server = Bench(tmp).server("sectorwb")
    server.env["SECTORWB_REGIONS_DIR"] = str(regions)
    try:
        server.start()
        server.settle()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                rows, raw = figure_pages(browser, server, slugs, runs)
                raw["chromium"] = browser.version
                return rows, raw
            finally:
                browser.close()
    finally:
        server.stop()


def print_steps(steps: list[dict[str, Any]]) -> None:
    if steps:
        print("\n(b) one kernel, after each step:")
    for s in steps:
        print(
            f"  {s['step']:38s} USS {s['uss_mb']:6.1f}  RSS {s['rss_mb']:6.1f}  "
            f"traced {s['traced_mb']:5.1f} MB  {' '.join(s['heavy'])}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_exit()
    machine = Machine()
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sectorwb-bench-") as t:
        tmp = Path(t)
        regions = tmp / "regions"
        slugs = make_regions(regions, args.sample)
        try:
            if "a" in (args.only or "ab"):
                print(f"(a) Step 2 ({', '.join(slugs)}) and Preparing to Launch, "
                      f"{args.runs} opens each", flush=True)  # fmt: skip
                rows, raw["a"] = run_pages(tmp, regions, slugs, args.runs)
            if "b" in (args.only or "ab"):
                print(f"(b) the Step 2 steps in one kernel ({slugs[-1]})", flush=True)
                env = voila_env(tmp / "steps-data")
                env["SECTORWB_REGIONS_DIR"] = str(regions)
                env["TMPDIR"] = str(tmp)
                raw["b"] = figure_steps(env, slugs[-1], args.tracemalloc)
        finally:
            stop_all()
    machine.finish("bench_lmi_memory", args, rows, raw)
    print_steps(raw.get("b", []))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
