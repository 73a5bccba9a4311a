"""Tests for sectorwb.lmi.qcew (loading real BLS files), titles, cache and download."""

from __future__ import annotations

import csv
import functools
import http.server
import math
import os
import socket
import threading
from pathlib import Path

import pyarrow.csv
import pytest

from sectorwb import cli
from sectorwb.errors import DataFileError
from sectorwb.lmi import _cache, qcew
from sectorwb.lmi.qcew import area_kind, load_qcew, parse_file
from sectorwb.lmi.titles import industry_title, read_area_titles, read_industry_titles

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "qcew"
DE = SHARED / "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv"
OH = SHARED / "qcew_2020_annual_area_slice_OH_39049.csv"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    # Never write caches into the developer's real data directory.
    monkeypatch.setenv("SECTORWB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv(_cache.CACHE_DIR_ENV, raising=False)


def raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def loaded_row(data, raw: dict[str, str]):
    rows = data.rows(
        raw["agglvl_code"],
        areas=[raw["area_fips"]],
        own=[raw["own_code"]],
        industries=[raw["industry_code"]],
    )
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("path", [DE, OH], ids=["singlefile", "area-slice"])
def test_jobs_match_the_raw_file(path, tmp_path):
    data = load_qcew(path, cache_dir=tmp_path)
    published = [r for r in raw_rows(path) if r["disclosure_code"] == ""]
    for raw in published[::97]:  # a spread of rows across areas and levels
        row = loaded_row(data, raw)
        assert row["annual_avg_emplvl"] == float(raw["annual_avg_emplvl"])
        assert row["total_annual_wages"] == float(raw["total_annual_wages"])
        assert row["annual_avg_estabs"] == float(raw["annual_avg_estabs"])


def test_one_county_industry_matches_raw_value(tmp_path):
    raw = next(
        r
        for r in raw_rows(DE)
        if (r["area_fips"], r["own_code"], r["industry_code"]) == ("10003", "5", "62")
    )
    data = load_qcew(DE, cache_dir=tmp_path)
    rows = data.rows("74", areas=["10003"], own=["5"], industries=["62"])
    assert rows["annual_avg_emplvl"].tolist() == [float(raw["annual_avg_emplvl"])]


@pytest.mark.parametrize("path", [DE, OH], ids=["singlefile", "area-slice"])
def test_suppressed_cells_are_missing_not_zero(path, tmp_path):
    raws = raw_rows(path)
    hidden = [r for r in raws if r["disclosure_code"] == "N"]
    assert hidden, "the sample has suppressed rows"
    assert all(float(r["annual_avg_emplvl"]) == 0 for r in hidden)  # as BLS writes them
    data = load_qcew(path, cache_dir=tmp_path)
    for raw in hidden[::50]:
        row = loaded_row(data, raw)
        for column in ("annual_avg_emplvl", "total_annual_wages", "avg_annual_pay"):
            assert math.isnan(row[column]), column
        assert math.isnan(row["lq_annual_avg_emplvl"])
        assert math.isnan(row["oty_annual_avg_emplvl_pct_chg"])
        # BLS publishes establishment counts even for suppressed cells.
        assert row["annual_avg_estabs"] == float(raw["annual_avg_estabs"])
    table = data.table.to_pandas()
    assert table["annual_avg_emplvl"].isna().sum() == len(hidden)


def test_codes_are_text_with_leading_zeros(tmp_path):
    data = load_qcew(DE, cache_dir=tmp_path).table.to_pandas()
    assert {"10001", "10003", "10005", "10000", "10999"} == set(data["area_fips"])
    assert {"0", "5"} <= set(data["own_code"])
    assert {"0"} == set(data["size_code"])
    assert {"31-33", "44-45", "48-49", "10"} <= set(data["industry_code"])
    assert "74" in set(data["agglvl_code"])


def test_leading_zero_fips_survives(tmp_path):
    lines = DE.read_text().splitlines()
    rows = [line for line in lines[1:] if line.startswith('"10001"')][:5]
    path = tmp_path / "al.csv"
    path.write_text(
        "\n".join([lines[0], *(r.replace('"10001"', '"01001"') for r in rows)]) + "\n"
    )
    table = load_qcew(path, use_cache=False).table.to_pandas()
    assert set(table["area_fips"]) == {"01001"}
    assert area_kind("01001") == "county"


def _as_43_columns(source: Path, target: Path, n: int = 30) -> list[dict[str, str]]:
    """Insert BLS's five title columns after disclosure_code, as by-area files have."""
    with source.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [next(reader) for _ in range(n)]
    at = header.index("disclosure_code") + 1
    titles = ["area_title", "own_title", "industry_title", "agglvl_title", "size_title"]
    renamed = [
        h.replace("annual_avg_estabs", "annual_avg_estabs_count") for h in header
    ]
    with target.open("w", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(renamed[:at] + titles + renamed[at:])
        for row in rows:
            writer.writerow(
                row[:at] + ["Delaware", "Own", "Ind", "Lvl", "All"] + row[at:]
            )
    return [dict(zip(header, r, strict=True)) for r in rows]


def test_43_column_by_area_layout(tmp_path):
    path = tmp_path / "2017.annual 10000 Delaware -- Statewide.csv"
    raws = _as_43_columns(DE, path)
    table, info = parse_file(path)
    assert info.layout.startswith("43-column")
    assert table.num_rows == len(raws)
    loaded = table.to_pandas()
    for raw, (_, row) in zip(raws, loaded.iterrows(), strict=True):
        assert row["area_fips"] == raw["area_fips"]
        assert row["industry_code"] == raw["industry_code"]
        assert row["annual_avg_estabs"] == float(raw["annual_avg_estabs"])
        if raw["disclosure_code"] != "N":
            assert row["annual_avg_emplvl"] == float(raw["annual_avg_emplvl"])


def test_state_total_includes_unknown_county_but_county_list_does_not(tmp_path):
    data = load_qcew(DE, cache_dir=tmp_path)
    assert data.counties() == ["10001", "10003", "10005"]
    assert area_kind("10999") == "unknown_county"
    totals = data.rows("70", own=["0"], industries=["10"])
    state = data.rows("50", own=["0"], industries=["10"])["annual_avg_emplvl"].iloc[0]
    counties_only = totals.loc[
        totals["area_fips"] != "10999", "annual_avg_emplvl"
    ].sum()
    with_unknown = totals["annual_avg_emplvl"].sum()
    # BLS rounds each annual average, so sums can differ from the total by a job or two.
    assert abs(with_unknown - state) <= 2 < abs(counties_only - state)


# --- bad input: every case names the file and says what to do -------------------


def _lines() -> list[str]:
    return DE.read_text(encoding="utf-8").splitlines(keepends=True)


def _bad(name: str, tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / f"{name}.csv"
    lines = _lines()
    if name == "empty":
        path.write_bytes(b"")
        return path, "empty"
    if name == "header-only":
        path.write_text(lines[0])
        return path, "no data rows"
    if name == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
        return path, "binary"
    if name == "zip":
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
        return path, "ZIP"
    if name == "latin1-early":
        path.write_bytes("".join(lines[:20]).encode() + "Café,1\n".encode("latin-1"))
        return path, "not UTF-8"
    if name == "latin1-late":
        text = "".join(lines)
        cut = text.rindex('"10999","5","81"')
        data = text[:cut].encode() + b'"10999","5","8\xe9"' + text[cut + 16 :].encode()
        path.write_bytes(data)
        return path, "not UTF-8"
    if name == "truncated":
        text = "".join(lines)
        path.write_text(text[: len(text) - 60])  # cut inside the last row
        return path, "cut off"
    if name == "wrong-layout":
        rows = list(csv.reader(lines))
        drop = rows[0].index("annual_avg_emplvl")
        with path.open("w", newline="") as f:
            csv.writer(f).writerows([r[:drop] + r[drop + 1 :] for r in rows[:50]])
        return path, "missing column(s) annual_avg_emplvl"
    if name == "mixed-years":
        half = len(lines) // 2
        tail = [line.replace('"2017"', '"2016"', 1) for line in lines[half:]]
        path.write_text("".join(lines[:half] + tail))
        return path, "mixes years 2016, 2017"
    if name == "html":
        path.write_text("<!DOCTYPE html>\n<html><body>Access Denied</body></html>\n")
        return path, "web page (HTML)"
    if name == "not-a-number":
        path.write_text("".join(lines[:10]).replace(",441873,", ",lots,", 1))
        return path, "not a number"
    raise AssertionError(name)


@pytest.mark.parametrize(
    "name",
    [
        "empty",
        "header-only",
        "binary",
        "zip",
        "latin1-early",
        "latin1-late",
        "truncated",
        "wrong-layout",
        "mixed-years",
        "not-a-number",
        "html",
    ],
)
def test_bad_files_raise_data_file_error_naming_the_file(name, tmp_path):
    path, phrase = _bad(name, tmp_path)
    with pytest.raises(DataFileError) as info:
        load_qcew(path, cache_dir=tmp_path / "cache")
    message = str(info.value)
    assert str(path) in message
    assert phrase in message
    _cache.wait()
    assert not list((tmp_path / "cache").glob("*.parquet"))


def test_missing_file_says_how_to_get_one(tmp_path):
    with pytest.raises(DataFileError, match="not found.*qcew download"):
        load_qcew(tmp_path / "nope.csv")


# --- cache and progress ------------------------------------------------------------


def test_second_load_reads_the_parquet_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = load_qcew(DE, cache_dir=cache)
    _cache.wait()  # the cache is written in the background
    files = list(cache.glob("qcew-*.parquet"))
    assert len(files) == 1

    def no_csv(*args, **kwargs):
        raise AssertionError("the CSV was parsed again")

    monkeypatch.setattr(pyarrow.csv, "read_csv", no_csv)
    second = load_qcew(DE, cache_dir=cache)
    assert second.table.equals(first.table)
    assert second.files[0].year == 2017 and second.files[0].rows == 7875
    only = load_qcew(DE, cache_dir=cache, areas=["10001"])
    assert set(only.table.column("area_fips").to_pylist()) == {"10001"}
    assert only.file_areas() == ["10000", "10001", "10003", "10005", "10999"]


def test_changed_or_damaged_file_is_parsed_again(tmp_path):
    source = tmp_path / "de.csv"
    source.write_bytes(DE.read_bytes())
    cache = tmp_path / "cache"
    load_qcew(source, cache_dir=cache)
    _cache.wait()
    old = next(cache.glob("*.parquet"))
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    load_qcew(source, cache_dir=cache)
    _cache.wait()
    new = list(cache.glob("*.parquet"))
    assert len(new) == 1 and new[0] != old  # the stale cache was replaced
    new[0].write_bytes(b"not parquet")
    assert load_qcew(source, cache_dir=cache).table.num_rows == 7875


def test_an_unwritable_cache_only_costs_speed(tmp_path, capfd):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    assert load_qcew(OH, cache_dir=blocked).table.num_rows == 2255
    _cache.wait()
    assert load_qcew(OH, cache_dir=blocked).table.num_rows == 2255
    assert "Traceback" not in capfd.readouterr().err


def test_cache_dir_defaults_to_data_dir_and_env_overrides(tmp_path, monkeypatch):
    assert _cache.cache_dir() == tmp_path / "data" / "cache"
    monkeypatch.setenv(_cache.CACHE_DIR_ENV, str(tmp_path / "elsewhere"))
    load_qcew(OH)
    _cache.wait()
    assert list((tmp_path / "elsewhere").glob("qcew-*.parquet"))


def test_progress_is_reported_up_to_one(tmp_path):
    seen: list[float] = []
    load_qcew([DE, OH], cache_dir=tmp_path, on_progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert any(0 < f < 1 for f in seen)  # after the first of the two files
    cached: list[float] = []
    load_qcew([DE, OH], cache_dir=tmp_path, on_progress=cached.append)
    assert cached[-1] == 1.0


def test_progress_reader_reports_fractions(tmp_path):
    path = tmp_path / "bytes.bin"
    path.write_bytes(b"x" * 1000)
    seen: list[float] = []
    with path.open("rb", buffering=0) as raw:
        reader = qcew._ProgressReader(raw, 1000, seen.append)
        while reader.read(100):
            pass
    assert seen[0] == pytest.approx(0.1) and seen[-1] == 1.0


def test_two_files_of_one_year_do_not_double_count(tmp_path):
    county = tmp_path / "10001.csv"
    lines = _lines()
    county.write_text(
        "".join([lines[0], *(x for x in lines if x.startswith('"10001"'))])
    )
    data = load_qcew([DE, county], cache_dir=tmp_path)
    assert data.table.num_rows == 7875


# --- titles ------------------------------------------------------------------------


def test_titles_from_bls_files_and_built_in():
    industries = read_industry_titles(SHARED / "industry_titles.csv")
    assert industries["31-33"] == "Manufacturing"
    assert industries["10"] == "Total, all industries"
    areas = read_area_titles(SHARED / "area_titles.csv")
    assert areas["10001"] == "Kent County, Delaware"
    assert areas["US000"] == "U.S. TOTAL"
    assert industry_title("44-45") == "Retail trade"
    assert industry_title("336") == "Transportation equipment manufacturing"
    assert industry_title("336111") == "NAICS 336111"
    assert industry_title("336111", industries).startswith("Automobile")


def test_a_title_file_with_other_columns_is_rejected(tmp_path):
    with pytest.raises(DataFileError, match="industry_title"):
        read_industry_titles(DE)


# --- download ----------------------------------------------------------------------


@pytest.fixture
def bls_server(tmp_path):
    """A local stand-in for data.bls.gov serving /2017/a/area/10001.csv."""
    root = tmp_path / "site"
    target = root / "2017" / "a" / "area" / "10001.csv"
    target.parent.mkdir(parents=True)
    lines = _lines()
    target.write_text(
        "".join([lines[0], *(x for x in lines if x.startswith('"10001"'))])
    )
    blocked = root / "2018" / "a" / "area" / "10001.csv"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("<html><body>Request blocked</body></html>\n")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", target
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


def test_download_fetches_the_area_slice(bls_server, tmp_path, capsys):
    base, served = bls_server
    out = tmp_path / "downloads"
    argv = ["qcew", "download", "--area", "10001", "--year", "2017"]
    assert cli.main([*argv, "--out", str(out), "--base-url", base]) == 0
    saved = out / "qcew_2017_annual_area_10001.csv"
    assert saved.read_bytes() == served.read_bytes()
    assert "saved" in capsys.readouterr().out
    assert load_qcew(saved, use_cache=False).counties() == ["10001"]


def test_download_of_a_missing_year_says_404(bls_server, tmp_path, capsys):
    base, _ = bls_server
    argv = ["qcew", "download", "--area", "10001", "--year", "2031"]
    assert cli.main([*argv, "--out", str(tmp_path), "--base-url", base]) != 0
    err = capsys.readouterr().err
    assert "404" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.csv*"))


def test_download_of_a_web_page_is_refused_and_removed(bls_server, tmp_path, capsys):
    base, _ = bls_server
    argv = ["qcew", "download", "--area", "10001", "--year", "2018"]
    assert cli.main([*argv, "--out", str(tmp_path), "--base-url", base]) == 2
    assert "web page (HTML)" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.csv*"))


def test_download_offline_says_so_plainly(tmp_path, capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = ["qcew", "download", "--area", "10001", "--year", "2017", "--out"]
    code = cli.main([*argv, str(tmp_path), "--base-url", f"http://127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code != 0
    assert "offline" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.csv*"))


@pytest.mark.parametrize("area", ["../../etc", "1000", "10001/x"])
def test_download_rejects_odd_area_codes(area, tmp_path, capsys):
    argv = [
        "qcew",
        "download",
        "--area",
        area,
        "--year",
        "2017",
        "--out",
        str(tmp_path),
    ]
    assert cli.main([*argv, "--base-url", "http://127.0.0.1:9"]) == 2
    assert "5-character" in capsys.readouterr().err
