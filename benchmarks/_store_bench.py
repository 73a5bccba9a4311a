"""Figure (c), one answer save: ``Store.save`` against a plain INSERT + commit."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _report import Row, percentile
from _sides import WORKSHEET_ID

from sectorwb.store import Store

QUESTIONS = 14  # the size of "Preparing to Launch"
TEAMS = 30


def fill(store: Store, rows: int) -> int:
    """About ``rows`` answer rows: every team saves whole worksheets, round by round."""
    n = 0
    while n < rows:
        for t in range(TEAMS):
            answers = {f"q{q:02d}": f"answer {n} to q{q}" for q in range(QUESTIONS)}
            store.save(f"team-{t:02d}", WORKSHEET_ID, answers)
            n += QUESTIONS
    return n


def figure_c(tmp: Path, rows: int, saves: int) -> tuple[list[Row], dict[str, Any]]:
    db = tmp / "store-bench" / "answers.sqlite3"
    store = Store(db)
    filled = fill(store, rows)
    plain = sqlite3.connect(db)
    # Same file mode as the store (WAL, synchronous NORMAL), so the ratio shows what
    # the store adds, not a different durability setting.
    plain.execute("PRAGMA journal_mode = WAL")
    plain.execute("PRAGMA synchronous = NORMAL")
    insert = (
        "INSERT INTO answers (team, worksheet, question, value, saved_at) "
        "VALUES (?, ?, ?, ?, ?)"
    )

    def save_store(i: int) -> float:
        t = time.perf_counter()
        store.save("bench-store", WORKSHEET_ID, {"target_sector": f"Sector {i}"})
        return time.perf_counter() - t

    def save_plain(i: int) -> float:
        t = time.perf_counter()
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        value = json.dumps(f"Sector {i}")
        plain.execute(insert, ("bench-plain", WORKSHEET_ID, "target_sector", value, at))
        plain.commit()
        return time.perf_counter() - t

    store_ms: list[float] = []
    plain_ms: list[float] = []
    try:
        for i in range(20):  # warm the page cache and both connections, discarded
            save_store(i)
            save_plain(i)
        pair = ((save_store, store_ms), (save_plain, plain_ms))
        for i in range(saves):
            for fn, out in pair if i % 2 == 0 else reversed(pair):
                out.append(fn(i) * 1000)
        total = plain.execute("SELECT count(*) FROM answers").fetchone()[0]
        mode = plain.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        plain.close()
        store.close()
    p95 = percentile(store_ms, 95)
    out = [
        Row(
            f"(c) Store.save, p50 (n={saves})",
            percentile(store_ms, 50),
            percentile(plain_ms, 50),
            "ms",
        ),
        Row(
            "(c) Store.save, p95",
            p95,
            percentile(plain_ms, 95),
            "ms",
            "≤ 20 ms",
            p95 <= 20,
        ),
    ]
    raw = {
        "rows_before": filled,
        "rows_after": total,
        "journal_mode": mode,
        "store_ms": store_ms,
        "plain_ms": plain_ms,
    }
    return out, raw
