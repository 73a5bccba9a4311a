"""Tests for sectorwb.regions, ``sectorwb region new/list`` and the demo region."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from sectorwb import cli, regions
from sectorwb.errors import DataFileError
from sectorwb.lmi import demo
from sectorwb.lmi.metrics import Region, region_metrics
from sectorwb.lmi.qcew import load_qcew

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "qcew"
DE = SHARED / "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv"
OH = SHARED / "qcew_2020_annual_area_slice_OH_39049.csv"
DEMO = REPO / "data" / "regions" / "demo"


@pytest.fixture
def regions_dir(tmp_path, monkeypatch):
    folder = tmp_path / "regions"
    monkeypatch.setenv(regions.REGIONS_DIR_ENV, str(folder))
    monkeypatch.setenv("SECTORWB_DATA_DIR", str(tmp_path / "data"))
    return folder


def test_default_regions_dir_is_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv(regions.REGIONS_DIR_ENV, raising=False)
    monkeypatch.setenv("SECTORWB_DATA_DIR", str(tmp_path / "data"))
    assert regions.regions_dir() == tmp_path / "data" / "regions"


def test_region_new_from_another_folder_writes_into_the_data_dir(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv(regions.REGIONS_DIR_ENV, raising=False)
    monkeypatch.setenv("SECTORWB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in (REPO / "data" / "regions").iterdir())
    argv = ["region", "new", "kent", "--qcew", str(DE), "--counties", "10001"]
    assert cli.main(argv) == 0
    path = tmp_path / "data" / "regions" / "kent" / "region.yaml"
    assert str(path) in capsys.readouterr().out
    assert regions.load_region("kent").path == path
    # Never the install location (here: the checkout's data/regions).
    assert sorted(p.name for p in (REPO / "data" / "regions").iterdir()) == before
    assert cli.main(["region", "list"]) == 0
    listed = capsys.readouterr().out
    assert "ok  kent:" in listed and "ok  demo:" in listed


def test_the_shipped_demo_is_found_beside_the_regions_folder(regions_dir):
    assert regions.load_region("demo").folder == regions.shipped_dir() / "demo"
    assert regions.load_region("demo").qcew_paths()  # its files are there too
    assert set(regions.scan()) == {"demo"}
    own = regions_dir / "demo" / "region.yaml"
    own.parent.mkdir(parents=True)
    own.write_text((DEMO / "region.yaml").read_text(encoding="utf-8"))
    # One of the trainer's own of that name wins (made by hand: `region new` refuses).
    assert regions.load_region("demo").path == own
    assert regions.scan()["demo"].path == own


def test_region_new_refuses_the_name_of_a_shipped_region(regions_dir, capsys):
    argv = ["region", "new", "demo", "--qcew", str(DE), "--counties", "10001"]
    assert cli.main(argv) != 0
    err = capsys.readouterr().err
    assert "comes with sectorwb" in err and "Pick another name" in err
    assert not (regions_dir / "demo").exists()


def test_region_new_then_list(regions_dir, capsys):
    argv = ["region", "new", "first-state", "--qcew", str(DE)]
    argv += [
        "--counties",
        "10001,10003",
        "--name",
        "First State",
        "--organisation",
        "Kent WDB",
    ]
    assert cli.main(argv) == 0
    path = regions_dir / "first-state" / "region.yaml"
    assert str(path) in capsys.readouterr().out
    saved = yaml.safe_load(path.read_text())
    assert saved["name"] == "First State"
    assert saved["state"] == "10000"
    assert saved["counties"] == ["10001", "10003"]
    assert saved["qcew"] == [str(DE)]  # outside the folder: kept absolute
    assert saved["organisations"] == [{"name": "Kent WDB"}]
    region = regions.load_region("first-state")
    assert region.areas == ("10001", "10003")
    assert region.qcew_paths() == [DE]
    assert cli.main(["region", "list"]) == 0
    listed = capsys.readouterr().out
    assert "ok  first-state: First State; areas 10001, 10003" in listed


def test_region_metrics_from_a_region_config(regions_dir, tmp_path):
    assert (
        cli.main(["region", "new", "kent", "--qcew", str(DE), "--counties", "10001"])
        == 0
    )
    out = tmp_path / "kent.csv"
    assert cli.main(["lmi", "metrics", "--region", "kent", "--out", str(out)]) == 0
    assert out.read_text().startswith("industry_code,industry_title,")


def test_region_new_guesses_a_single_county_file(regions_dir):
    assert cli.main(["region", "new", "franklin", "--qcew", str(OH)]) == 0
    region = regions.load_region("franklin")
    assert region.config.counties == ["39049"] and region.config.state == "39000"


def test_files_inside_the_region_folder_are_stored_relative(regions_dir):
    folder = regions_dir / "local"
    folder.mkdir(parents=True)
    shutil.copy(OH, folder / "franklin.csv")  # tmp only: never into the repo
    created = regions.create_region(
        "local", qcew=[folder / "franklin.csv"], counties=["39049"]
    )
    assert created.config.qcew == ["franklin.csv"]
    assert created.qcew_paths() == [folder / "franklin.csv"]


@pytest.mark.parametrize(
    "slug", ["../evil", "a/b", "Upper", "", "x-", "x" * 61, "a..b", "/tmp"]
)
def test_slugs_never_become_paths(slug, regions_dir, tmp_path, capsys):
    assert (
        cli.main(["region", "new", slug, "--qcew", str(DE), "--counties", "10001"]) == 2
    )
    assert "lowercase letters, digits and dashes" in capsys.readouterr().err
    assert not (tmp_path / "evil").exists()
    assert not list(tmp_path.rglob("region.yaml"))  # nothing written anywhere


def test_region_new_checks_counties_and_refuses_to_overwrite(regions_dir, capsys):
    argv = ["region", "new", "kent", "--qcew", str(DE)]
    assert cli.main([*argv, "--counties", "10007"]) == 2
    assert "10007" in capsys.readouterr().err
    assert cli.main([*argv, "--counties", "10001"]) == 0
    assert cli.main([*argv, "--counties", "10001"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["region", "new", "both", "--qcew", str(DE)]) == 2
    assert "--counties" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("name: X\nstate: '10000'\ncounties: [01001]\nqcew: [a.csv]\n", "counties"),
        ("name: X\nstate: '10000'\ncounties: ['10999']\nqcew: [a.csv]\n", "counties"),
        ("name: X\nstate: '10000'\n", "qcew"),
        ("name: X\nstate: Delaware\nqcew: [a.csv]\n", "state"),
        ("name: X\nstate: '10000'\nqcew: [a.csv]\ncolour: red\n", "colour"),
        ("name: X\nstate: '10000'\nqcew: [a.csv]\nmsa: 1974\n", "msa"),
    ],
)
def test_bad_configs_name_file_and_field(text, field, regions_dir):
    path = regions_dir / "bad" / "region.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(DataFileError) as info:
        regions.load_region("bad")
    assert str(path) in str(info.value) and f"field {field}" in str(info.value)


def test_list_reports_broken_regions(regions_dir, capsys):
    (regions_dir / "broken").mkdir(parents=True)
    (regions_dir / "broken" / "region.yaml").write_text("name: [unclosed\n")
    assert cli.main(["region", "list"]) == 1
    assert "BAD broken" in capsys.readouterr().out
    assert [r.slug for r in regions.list_regions()] == ["demo"]  # the shipped one


def test_missing_qcew_file_is_named(regions_dir):
    created = regions.create_region("gone", qcew=["nowhere.csv"], counties=["10001"])
    with pytest.raises(DataFileError, match=r"field qcew.0: file .*nowhere.csv"):
        created.qcew_paths()


# --- the demo region -------------------------------------------------------------------


def test_demo_regenerates_byte_identical(tmp_path):
    written = demo.generate(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in DEMO.iterdir())
    for path in written:
        assert path.read_bytes() == (DEMO / path.name).read_bytes(), path.name


def test_demo_is_labelled_illustrative_and_small():
    files = sorted(DEMO.iterdir())
    assert sum(p.stat().st_size for p in files) < 1_000_000
    for path in files:
        if path.suffix == ".csv":
            assert "illustrative" in path.name
    first = (DEMO / "region.yaml").read_text().splitlines()[0]
    assert "Generated by" in first and "sectorwb.lmi.demo" in first
    assert "ILLUSTRATIVE" in first
    region = regions.load_file(DEMO / "region.yaml")
    assert region.config.illustrative and "illustrative" in region.config.name


def test_demo_region_gives_complete_metrics(monkeypatch, tmp_path):
    monkeypatch.setenv("SECTORWB_DATA_DIR", str(tmp_path))
    region = regions.load_file(DEMO / "region.yaml")
    data = load_qcew(region.qcew_paths())
    table = region_metrics(data, Region(region.areas, state=region.config.state))
    assert table.attrs["base_year"] == 2022
    assert table["suppressed"].any()  # the demo shows what suppression looks like
    known = table.dropna(subset=["jobs", "base_jobs"])
    change = known["jobs"] - known["base_jobs"]
    parts = known[["national_growth", "industry_mix", "regional_shift"]].sum(axis=1)
    assert (parts - change).abs().max() < 1e-6
    assert (
        table["lq_state"].dropna().round(2).nunique() > 5
    )  # the region is not its state
    assert data.counties() == ["99001", "99003", "99005", "99007", "99009"]
