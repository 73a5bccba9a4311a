"""Benchmark: load a singlefile-sized QCEW CSV and compute a region's metrics.

Run ``.venv/bin/python benchmarks/bench_lmi.py [--rows N] [--keep DIR]``. It writes a
synthetic file in the real 38-column singlefile layout (3.6 million rows by default)
into a temporary folder, then measures in one run:

- ``pyarrow.csv.read_csv`` of the file with default options (the baseline);
- ``load_qcew`` with an empty cache + ``region_metrics`` for a three-county region (the
  Parquet cache is written in a background thread; a second row includes waiting for it);
- the same again, now served from the Parquet cache (whole file, then the region only);

and prints the best time of ``--repeat`` runs, its ratio to the baseline (targets: first
load <= 2x, cached <= 0.2x), the peak resident memory of the process during the step and
how much the step added to it (sampled with psutil every 5 ms; tracemalloc does not see
Arrow's allocations). Not a test: it prints numbers, it does not fail.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sectorwb.lmi import _cache  # noqa: E402
from sectorwb.lmi.layout import (  # noqa: E402
    CODE_COLUMNS,
    COLUMNS_38,
    KEPT_COLUMNS,
    VALUE_COLUMNS,
)
from sectorwb.lmi.metrics import Region, region_metrics  # noqa: E402
from sectorwb.lmi.qcew import load_qcew  # noqa: E402

REGION = Region(("10001", "10003", "10005"), state="10000")
_SECTORS = (
    "11 21 22 23 31-33 42 44-45 48-49 51 52 53 54 55 56 61 62 71 72 81 92".split()
)


def _industries(rng: np.random.Generator) -> list[tuple[str, str]]:
    """(industry_code, agglvl last digit): sectors plus a made-up NAICS tree."""
    codes = [(s, "4") for s in _SECTORS]
    for sector in _SECTORS:
        head = sector[:2]
        for a in range(int(rng.integers(3, 7))):
            three = f"{head}{a + 1}"
            codes.append((three, "5"))
            for b in range(int(rng.integers(2, 6))):
                four = f"{three}{b + 1}"
                codes.append((four, "6"))
                for c in range(int(rng.integers(1, 4))):
                    five = f"{four}{c + 1}"
                    codes.append((five, "7"))
                    codes.append((f"{five}0", "8"))
    return codes


def write_singlefile(path: Path, rows: int, seed: int = 7) -> None:
    """A file in BLS's singlefile layout and quoting, with BLS-like magnitudes."""
    rng = np.random.default_rng(seed)
    industries = _industries(rng)
    states = [f"{s:02d}" for s in range(1, 57) if s not in (3, 7, 14, 43, 52)]
    areas = [("US000", "1")]
    areas += [(f"{s}000", "5") for s in states]
    areas += [(f"C{1000 + 4 * i:04d}", "4") for i in range(400)]
    for s in states:
        n = 3 if s == "10" else int(rng.integers(20, 110))
        areas += [(f"{s}{2 * i + 1:03d}", "7") for i in range(n)] + [(f"{s}999", "7")]
    per_area = rows // len(areas) + 1
    area_idx = np.repeat(np.arange(len(areas)), per_area)[:rows]
    # Each area keeps a random subset of the industry list, in file order.
    ind_idx = np.sort(
        rng.integers(0, len(industries), size=(len(areas), per_area)), axis=1
    ).ravel()[:rows]
    own = np.where(rng.random(rows) < 0.85, "5", rng.choice(["1", "2", "3"], rows))
    fips = np.array([a for a, _ in areas])[area_idx]
    prefix = np.array([p for _, p in areas])[area_idx]
    code = np.array([c for c, _ in industries])[ind_idx]
    digit = np.array([d for _, d in industries])[ind_idx]
    jobs = np.round(rng.lognormal(3.5, 1.6, rows))
    suppressed = rng.random(rows) < 0.55
    # Every area starts with its all-industry total (own 0, industry 10, level x0).
    first = np.arange(0, rows, per_area)
    own[first], code[first], digit[first] = "0", "10", "0"
    suppressed[first] = False
    jobs[first] = np.round(rng.lognormal(10, 1.5, len(first)))
    pay = np.round(rng.normal(52000, 15000, rows).clip(15000))
    wages = jobs * pay
    cols: dict[str, pa.Array] = {
        "area_fips": pa.array(fips),
        "own_code": pa.array(own),
        "industry_code": pa.array(code),
        "agglvl_code": pa.array(np.char.add(prefix, digit)),
        "size_code": pa.array(np.full(rows, "0")),
        "year": pa.array(np.full(rows, "2023")),
        "qtr": pa.array(np.full(rows, "A")),
        "disclosure_code": pa.array(np.where(suppressed, "N", "")),
    }
    zero = np.zeros(rows, dtype=np.int64)
    values = {
        "annual_avg_estabs": np.round(jobs / 9 + 1),
        "annual_avg_emplvl": np.where(suppressed, 0, jobs),
        "total_annual_wages": np.where(suppressed, 0, wages),
        "taxable_annual_wages": np.where(suppressed, 0, jobs * 14000),
        "annual_contributions": np.where(suppressed, 0, jobs * 300),
        "annual_avg_wkly_wage": np.where(suppressed, 0, np.round(pay / 52)),
        "avg_annual_pay": np.where(suppressed, 0, pay),
    }
    for name in COLUMNS_38[8:]:
        if name in values:
            cols[name] = pa.array(values[name].astype(np.int64))
        elif name.endswith("disclosure_code"):
            cols[name] = cols["disclosure_code"]
        elif name.startswith("lq_"):
            cols[name] = pa.array(np.round(rng.lognormal(0, 0.5, rows), 2))
        elif name.endswith("pct_chg"):
            cols[name] = pa.array(np.round(rng.normal(1, 5, rows), 1))
        else:
            cols[name] = pa.array(
                np.round(rng.normal(0, 40, rows)).astype(np.int64) + zero
            )
    table = pa.table(cols)
    pacsv.write_csv(table, path)  # quotes strings, leaves numbers bare: BLS's style


class _PeakRss:
    """Samples this process's resident memory every 5 ms while a step runs."""

    def __enter__(self) -> _PeakRss:
        self._proc = psutil.Process()
        self.start = self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def _measure(step: Callable[[], object]) -> tuple[float, int, int]:
    """Seconds, peak RSS and peak RSS above the start of the step."""
    _cache.wait()  # a cache still being written from the step before
    gc.collect()
    pa.default_memory_pool().release_unused()
    with _PeakRss() as rss:
        start = time.perf_counter()
        result = step()
        elapsed = time.perf_counter() - start
    del result
    return elapsed, rss.peak, rss.peak - rss.start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_600_000)
    parser.add_argument("--keep", help="write the CSV here and keep it")
    parser.add_argument("--repeat", type=int, default=3, help="best of N (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sectorwb-bench-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path = folder / "bench_2023_annual_singlefile.csv"
        cache = Path(tmp) / "cache"
        start = time.perf_counter()
        write_singlefile(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(
            f"wrote {args.rows:,} rows, {size_mb:,.0f} MB in "
            f"{time.perf_counter() - start:.1f} s: {csv_path.name}"
        )

        def ours() -> object:
            data = load_qcew(csv_path, cache_dir=cache)
            return region_metrics(data, REGION, level="3")

        def same_columns() -> object:
            # What our loader asks Arrow for: shows our own overhead on top of it.
            types = {c: pa.string() for c in CODE_COLUMNS} | {"year": pa.int32()}
            types |= {c: pa.float64() for c in VALUE_COLUMNS}
            options = pacsv.ConvertOptions(
                column_types=types, include_columns=list(KEPT_COLUMNS)
            )
            return pacsv.read_csv(csv_path, convert_options=options)

        def ours_empty_cache() -> object:
            shutil.rmtree(cache, ignore_errors=True)
            return ours()

        def ours_empty_cache_written() -> object:
            result = ours_empty_cache()
            _cache.wait()
            return result

        def ours_region_only() -> object:
            wanted = [*REGION.areas, "10000", "US000"]
            data = load_qcew(csv_path, cache_dir=cache, areas=wanted)
            return region_metrics(data, REGION, level="3")

        steps = [
            ("pyarrow.csv.read_csv (baseline)", lambda: pacsv.read_csv(csv_path), ""),
            ("  read_csv, our 17 columns typed", same_columns, "(info)"),
            ("load + metrics, empty cache", ours_empty_cache, "<= 2x"),
            ("  same + wait for cache write", ours_empty_cache_written, "(info)"),
            ("load all + metrics, cached", ours, ""),
            ("load region + metrics, cached", ours_region_only, "<= 0.2x"),
        ]
        print(
            f"\n{'step':32} {'seconds':>8} {'ratio':>6} {'peak RSS MB':>12} "
            f"{'(+ in step)':>11}  target"
        )
        with csv_path.open("rb") as f:  # every step starts with the file in page cache
            while f.read(1 << 24):
                pass
        base = None
        for name, step, target in steps:
            runs = [_measure(step) for _ in range(args.repeat)]
            seconds = min(r[0] for r in runs)
            peak, grown = max(r[1] for r in runs), max(r[2] for r in runs)
            base = base or seconds
            print(
                f"{name:32} {seconds:8.2f} {seconds / base:5.2f}x {peak / 1e6:12.0f} "
                f"{grown / 1e6:11.0f}  {target}"
            )
        print(
            f"\ncache files: {sum(p.stat().st_size for p in cache.glob('*')) / 1e6:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
