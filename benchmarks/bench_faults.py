"""Fault benchmark: answers typed vs answers found after reloads, kills and a second laptop.

Run from the repository root: ``.venv/bin/python benchmarks/bench_faults.py`` (9.8
minutes at a load average of 13-20 on 2 cores; ``--reps 1`` for a smoke run). Real Chromium against a real server started by
``sectorwb.cli.voila_command``/``voila_env`` on a temporary data directory. Prints one
row per scenario (typed, found, lost, lost without a visible warning; target: none of
the last) and writes every trial to ``benchmarks/out/``. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
from _browser import CHROMIUM, CHROMIUM_ARGS
from _procs import stop_all
from _report import save_raw
from _sides import ROOT, WORKSHEET_ID, Bench
from _tab import Tab, warnings
from playwright.sync_api import sync_playwright

from sectorwb.widgets import SAVE_DELAY_S

RELOAD_DELAYS_S = (0.1, 0.3, 0.5)
ANSWERS_PER_DELAY = 3  # per repetition, one field each (len(FIELDS) at most)
LIVE_SYNC_WAIT_S = 5.0  # for a page to pick the other laptop's save up
# Answer fields of "Preparing to Launch": (label, question id), all free text.
FIELDS = (
    ("Target Sector:", "target_sector"),
    ("Roles, and who is the lead convener or co-convener", "roles_and_convener"),
    ("Which sector is first? Or next?", "sectors_agreed"),
    ("Business, row 1", "business_chairs"),
)


@dataclass
class Answer:
    """One typed answer and what became of it."""

    scenario: str
    text: str
    question: str
    found: bool = False  # on the page after the fault and a reload
    in_store: bool = False  # in the team's latest saved row of that question
    warnings: list[str] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)  # the page at the fault


class Run:
    """One server, one browser, and every answer typed in this run."""

    def __init__(self, bench: Bench, browser: Any):
        self.bench = bench
        self.browser = browser
        self.server = bench.server("sectorwb")
        self.answers: list[Answer] = []
        self._n = 0

    def team(self, scenario: str) -> str:
        self._n += 1
        return f"faults-{scenario.split()[0]}-{self._n}-{uuid.uuid4().hex[:4]}"

    def text(self) -> str:
        return f"answer {len(self.answers) + 1} {uuid.uuid4().hex[:8]}"

    def tab(self, scenario: str, team: str | None = None) -> Tab:
        context = self.browser.new_context()
        context.set_default_timeout(30_000)
        return Tab(context, self.server, team or self.team(scenario)).open()

    def stored(self, team: str, question: str) -> str:
        db = self.bench.data_dir / "answers.sqlite3"
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(
                "SELECT value FROM answers WHERE team = ? AND worksheet = ? AND "
                "question = ? ORDER BY id DESC LIMIT 1",
                (team, WORKSHEET_ID, question),
            ).fetchone()
        except sqlite3.OperationalError:
            return ""  # nothing saved yet: no table
        finally:
            conn.close()
        return json.loads(row[0]) if row else ""

    def typed(self, tab: Tab, scenario: str, slot: int) -> Answer:
        label, question = FIELDS[slot]
        answer = Answer(scenario, self.text(), question)
        if not tab.type(label, answer.text):
            answer.warnings.append("input refused")
        self.answers.append(answer)
        return answer

    def fault_then_reload(
        self, tabs: Sequence[Tab], mine: dict[int, list[Answer]], between: Callable
    ) -> None:
        """Note what each page shows, run ``between`` (e.g. restart), reload every
        page, then look for each answer on the page (any page) and in the store."""
        seen = {id(t): t.signals() for t in tabs}
        between()
        for t in tabs:
            before = len(t.dialogs)
            t.reload()
            for a in mine.get(id(t), []):
                a.seen.append(seen[id(t)])
                a.warnings += warnings(seen[id(t)], before, len(t.dialogs))
        for t in tabs:
            for answers in mine.values():
                for a in answers:
                    label = next(lb for lb, q in FIELDS if q == a.question)
                    a.found = a.found or a.text in t.value(label)
        for answers in mine.values():
            for a in answers:
                a.in_store = a.text in json.dumps(
                    self.stored(tabs[0].team, a.question), ensure_ascii=False
                )

    # -- the scenarios -------------------------------------------------------------
    def reload_after(self, delay: float, reps: int) -> None:
        """Each answer in its own field of one page, so a save that lands late (from
        the kernel of the page before the reload) cannot touch the next answer."""
        scenario = f"reload {delay:.1f} s after the last key"
        for _ in range(reps):
            tab = self.tab(scenario)
            for slot in range(ANSWERS_PER_DELAY):
                answer = self.typed(tab, scenario, slot)
                time.sleep(delay)
                self.fault_then_reload([tab], {id(tab): [answer]}, lambda: None)
            tab.shutdown()

    def around_a_fault(
        self,
        scenario: str,
        fault: Callable[[Tab], None],
        before_reload: Callable[[], None] = lambda: None,
    ) -> None:
        """Two answers saved, the fault, two more answers typed, then the reload."""
        tab = self.tab(scenario)
        mine = [self.typed(tab, scenario, 0), self.typed(tab, scenario, 1)]
        tab.wait_saved()
        fault(tab)
        time.sleep(1.0)  # the page has had time to notice
        mine += [self.typed(tab, scenario, 2), self.typed(tab, scenario, 3)]
        time.sleep(SAVE_DELAY_S + 1.0)
        self.fault_then_reload([tab], {id(tab): mine}, before_reload)
        tab.shutdown()

    def kill_kernel(self, tab: Tab) -> None:
        procs = self.server.kernel_of(tab.kernels[-1])
        if not procs:
            raise RuntimeError(f"kernel {tab.kernels[-1]} of the page not found")
        for p in procs:
            p.send_signal(signal.SIGKILL)
        psutil.wait_procs(procs, timeout=10)

    def kernel_kill(self, reps: int) -> None:
        for _ in range(reps):
            self.around_a_fault("kernel kill -9, type more, reload", self.kill_kernel)

    def server_kill(self, reps: int) -> None:
        orphans: list[psutil.Process] = []
        for _ in range(reps):
            self.around_a_fault(
                "server kill -9 + restart, reload",
                lambda _tab: orphans.extend(self.server.crash()),
                self.server.start,  # the same command line: the same port
            )
            for p in orphans:  # a crash leaves them; they hold memory, nothing else
                if p.is_running():
                    p.kill()
            orphans.clear()

    def two_laptops(self, reps: int) -> None:
        scenario = "two laptops, one field"
        for _ in range(reps):
            team = self.team(scenario)
            a, b = self.tab(scenario, team), self.tab(scenario, team)
            first = self.typed(a, scenario, 0)
            second = self.typed(b, scenario, 0)  # before a's save reaches b
            for t in (a, b):
                t.wait_saved(timeout_s=5)
            time.sleep(LIVE_SYNC_WAIT_S)
            self.fault_then_reload(
                [a, b], {id(a): [first], id(b): [second]}, lambda: None
            )
            for t in (a, b):
                t.shutdown()


def summarize(answers: Sequence[Answer]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for a in answers:
        r = rows.setdefault(
            a.scenario,
            {
                "scenario": a.scenario,
                **dict.fromkeys(("typed", "found", "lost", "silent", "status_only"), 0),
            },
        )
        r["typed"] += 1
        r["found"] += a.found
        r["lost"] += not a.found
        r["silent"] += not a.found and not a.warnings
        # The stricter reading: "Saving…" at the moment of a reload warns few people.
        r["status_only"] += not a.found and a.warnings == ["status"]
        for w in a.warnings:
            r.setdefault("warned_by", {}).setdefault(w, 0)
            r["warned_by"][w] += 1
    return list(rows.values())


def table(rows: Sequence[dict[str, Any]]) -> str:
    head = (
        "scenario",
        "typed",
        "found",
        "lost",
        "lost, no warning",
        "lost, only the status",
        "warnings seen",
    )
    cells = [head] + [
        (
            r["scenario"],
            str(r["typed"]),
            str(r["found"]),
            str(r["lost"]),
            str(r["silent"]),
            str(r["status_only"]),
            ", ".join(f"{k} {n}" for k, n in r.get("warned_by", {}).items()) or "none",
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = [
        "  ".join(
            c[i].ljust(widths[i]) if i in (0, 6) else c[i].rjust(widths[i])
            for i in range(len(head))
        )
        for c in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2, help="repetitions (2)")
    parser.add_argument(
        "--only",
        action="append",
        choices=("reload", "kernel", "server", "laptops"),
        help="one scenario (repeatable)",
    )
    args = parser.parse_args(argv)
    only = set(args.only or ("reload", "kernel", "server", "laptops"))
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: (stop_all(), sys.exit(1)))
    started = time.time()
    seconds: list[tuple[str, float]] = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(
        prefix="sectorwb-faults-", ignore_cleanup_errors=True
    ) as t:
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                run = Run(Bench(Path(t)), browser)
                run.server.start()
                run.server.settle(limit=30)
                steps = [
                    *(
                        ("reload", lambda d=d: run.reload_after(d, args.reps))
                        for d in RELOAD_DELAYS_S
                    ),
                    ("kernel", lambda: run.kernel_kill(args.reps)),
                    ("server", lambda: run.server_kill(args.reps)),
                    ("laptops", lambda: run.two_laptops(args.reps)),
                ]
                for name, step in steps:
                    if name in only:
                        t0 = time.monotonic()
                        step()
                        took = time.monotonic() - t0
                        seconds.append((name, took))
                        print(f"  {name}: {took:.0f} s", flush=True)
                browser_version = browser.version
                browser.close()
        finally:
            stop_all()
    rows = summarize(run.answers)
    print()
    print(table(rows))
    silent = sum(r["silent"] for r in rows)
    print(
        f"\nlost without a visible warning: {silent} (target 0: "
        f"{'met' if silent == 0 else 'NOT met'}); Chromium {browser_version}; load "
        f"average {load_start[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end; run "
        f"took {(time.time() - started) / 60:.1f} min"
    )
    path = save_raw(
        "bench_faults",
        {
            "args": vars(args),
            "chromium": browser_version,
            "load_avg": {"start": load_start, "end": os.getloadavg()},
            "duration_s": time.time() - started,
            "scenario_s": seconds,
            "summary": rows,
            "answers": [asdict(a) for a in run.answers],
        },
    )
    print(f"raw trials: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
