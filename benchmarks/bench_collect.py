"""Benchmark the trainer's collect downloads on a full Academy: 40 teams x every
worksheet, ~100,000 answer rows of history. (a) ``Store.latest_since(0)`` (one
query) beside the per-team ``Store.all_answers`` loop, on the same file; (b)
building the XLSX, the CSV and the packet ZIP from it, and the ZIP per team against
one team's packets built alone.

Run from the repository root: ``.venv/bin/python benchmarks/bench_collect.py``.
Prints a summary table and writes every raw sample to ``benchmarks/out/``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from _report import Row, median, ratio, run_report, save_raw, table

from sectorwb import collect, content
from sectorwb.schema import ItemList, MultiChoice, Table, YesNo
from sectorwb.store import Store

TEAMS = 40


def _value(question: Any, n: int) -> Any:
    """A short answer of the question's kind, different every round."""
    if isinstance(question, Table):
        return [{c: f"{c} {n}.{i}" for c in question.columns} for i in range(3)]
    if isinstance(question, YesNo):
        return {"answer": "Yes", "notes": f"notes {n}"}
    if isinstance(question, MultiChoice):
        return question.options[:2]
    if isinstance(question, ItemList):
        return [f"item {n}.{i}" for i in range(3)]
    return f"answer {n}"


def fill(store: Store, rows: int) -> int:
    """About ``rows`` answer rows: round after round, every team saves every
    question of every worksheet (so most rows are history, as after a long day)."""
    sheets = content.worksheets()
    n = 0
    while n < rows:
        for t in range(TEAMS):
            for ws in sheets:
                questions = [q for s in ws.sections for q in s.questions]
                questions.append(ws.action_table.as_question())
                store.save(
                    f"Team {t:02d}", ws.id, {q.id: _value(q, n) for q in questions}
                )
                n += len(questions)
    return n


def _cpu_ms(fn: Any, repeat: int) -> list[float]:
    """CPU milliseconds of ``repeat`` calls: the machine is shared, and wall time
    there says more about the neighbours than about the code."""
    out = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        out.append((time.process_time() - t0) * 1000)
    return out


def _build(make: Any) -> dict[str, float]:
    """Wall and CPU seconds of one build and the file's size."""
    wall, cpu = time.perf_counter(), time.process_time()
    data = make()
    return {
        "wall": time.perf_counter() - wall,
        "CPU": time.process_time() - cpu,
        "MB": len(data) / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--no-zip", action="store_true", help="skip the ZIP (minutes: pictures)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "answers.sqlite3")
        filled = fill(store, args.rows)
        teams = [f"Team {t:02d}" for t in range(TEAMS)]
        one = _cpu_ms(store.latest_since, args.repeat)
        loop = _cpu_ms(lambda: [store.all_answers(t) for t in teams], args.repeat)
        sheets = content.worksheets()
        collected = collect.gather(store, teams)
        makers = {"XLSX": collect.collect_xlsx, "CSV": collect.collect_csv}
        makers |= {} if args.no_zip else {"ZIP": collect.collect_zip}
        builds = {
            name: _build(lambda make=make: make(sheets, collected))
            for name, make in makers.items()
        }
        # What the ZIP holds, built one team at a time as the team's own buttons do.
        first = collect.gather(store, teams[:1])
        packet = (
            [] if args.no_zip else [_build(lambda: collect.collect_zip(sheets, first))]
        )
        store.close()
    rows = [
        Row(
            f"(a) Store.latest_since(0), {filled:,} rows, CPU, median of {args.repeat}",
            median(one),
            median(loop),
            "ms",
            "≤ 100 ms",
            median(one) <= 100,
        ),
        *(
            Row(f"(b) {name} for {TEAMS} teams ({b['MB']:.1f} MB), {k}", b[k], unit="s")
            for name, b in builds.items()
            for k in ("wall", "CPU")
        ),
        *(
            Row(
                "(b) ZIP per team vs one team's packets alone, CPU",
                builds["ZIP"]["CPU"] / TEAMS,
                p["CPU"],
                "s",
                "≤ 1.1×",
                ratio(builds["ZIP"]["CPU"] / TEAMS, p["CPU"]) <= 1.1,
            )
            for p in packet
        ),
    ]
    print(table(rows))
    raw = {"latest_since_cpu_ms": one, "all_answers_loop_cpu_ms": loop}
    raw |= {"builds": builds, "one_team_packet": packet}
    path = save_raw("collect", run_report(args, rows, raw, rows_filled=filled))
    print(f"raw samples: {path}")


if __name__ == "__main__":
    main()
