"""Step 2's precomputed views: ``region new`` writes them from real BLS files, a page
reads the same levels, numbers, titles and charts it would compute, an older region or
a changed file gets them rebuilt, the shipped demo's go to the cache, and a page's
process never loads the QCEW or chart libraries."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sectorwb import cli, regions
from sectorwb.errors import DataFileError
from sectorwb.figures import figure_html
from sectorwb.lmi import charts, views
from sectorwb.lmi.metrics import Region, county_breakdown, region_metrics
from sectorwb.lmi.qcew import load_qcew
from sectorwb.lmi.titles import read_industry_titles

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "qcew"
DE = SHARED / "qcew_2017_annual_singlefile_DE_10xxx_all_rows.csv"
COUNTIES = "10001,10003,10005"
CHARTS = [
    "Sector bubble chart",
    "Top sectors by jobs",
    "Pay compared with average",
    "Jobs by county",
]


@pytest.fixture(scope="module")
def delaware(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A region made with the trainer's command from the real Delaware sample."""
    tmp = tmp_path_factory.mktemp("views")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(regions.REGIONS_DIR_ENV, str(tmp / "regions"))
        mp.setenv("SECTORWB_DATA_DIR", str(tmp / "data"))
        argv = ["region", "new", "delaware", "--qcew", str(DE), "--counties", COUNTIES]
        assert cli.main(argv) == 0
    return tmp / "regions" / "delaware"


@pytest.fixture
def env(delaware: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(regions.REGIONS_DIR_ENV, str(delaware.parent))
    monkeypatch.setenv("SECTORWB_DATA_DIR", str(tmp_path / "data"))
    return delaware


def test_region_new_writes_every_view_with_the_numbers_and_charts_of_the_data(env):
    body = json.loads((env / views.VIEWS_NAME).read_text())
    assert sorted(body["views"]) == sorted(views.all_keys())
    folder = regions.load_region("delaware")
    assert views.levels(folder, "sector", "private") == ["sector", "3", "4"]
    data = load_qcew([DE])
    region = Region(folder.areas, state="10000", name=folder.config.name)
    # BLS's titles beside the sample name the 4-digit industries
    titles = read_industry_titles(SHARED / "industry_titles.csv")
    for level, ownership in (("sector", "private"), ("4", "all")):
        view = views.region_view(folder, level, ownership)
        live = region_metrics(
            data, region, level=level, ownership=ownership, titles=titles
        )
        pd.testing.assert_frame_equal(view.table, live)
        assert view.table.attrs == live.attrs
        counties = county_breakdown(
            data,
            region,
            level=level,
            ownership=ownership,
            titles=titles,
            area_titles={},
        )
        pay = charts.pay_chart(live, n=None if level == "sector" else 20)
        drawn = [
            charts.bubble_chart(live),
            charts.top_sectors_chart(live),
            pay,
            charts.county_chart(counties),
        ]
        assert [label for label, _ in view.charts] == CHARTS
        for (label, figure), chart in zip(view.charts, drawn, strict=True):
            assert _ids(figure) == _ids(figure_html(chart, label)), label
    assert "Employment services" in set(view.table["industry_title"])


def _ids(svg: str) -> str:
    """vl-convert numbers gradients per process (one view's charts are drawn in one
    process, so their ids stay distinct on a page)."""
    return re.sub(r"gradient_\d+", "gradient_N", svg)


def test_an_older_region_without_views_gets_them_and_a_changed_file_is_redone(
    env, tmp_path
):
    old = tmp_path / "regions" / "old-kent"
    old.mkdir(parents=True)
    csv = old / "kent.csv"
    csv.write_bytes(DE.read_bytes())
    (old / "region.yaml").write_text(
        "name: Kent\nstate: '10000'\ncounties: ['10001']\nqcew: [kent.csv]\n"
    )
    folder = regions.load_file(old / "region.yaml")
    seen: list[float] = []
    view = views.region_view(folder, "sector", "private", on_progress=seen.append)
    assert seen and seen[-1] == 1.0
    built = json.loads((old / views.VIEWS_NAME).read_text())["views"]
    assert list(built) == ["sector/private"]  # only what the page asked for
    assert len(view.charts) == 3  # one county: no county chart
    first = (old / views.VIEWS_NAME).stat().st_mtime_ns
    again = views.region_view(folder, "sector", "private")  # read, not built
    assert (old / views.VIEWS_NAME).stat().st_mtime_ns == first
    pd.testing.assert_frame_equal(again.table, view.table)

    # A new download of the file (other rows) must not show the old numbers.
    lines = DE.read_text().splitlines(keepends=True)
    kept = [lines[0]] + [ln for ln in lines[1:] if '"10001","5","23"' not in ln]
    assert len(kept) < len(lines)
    csv.write_text("".join(kept))
    changed = views.region_view(folder, "sector", "private")
    assert "23" in set(view.table["industry_code"])
    assert "23" not in set(changed.table["industry_code"])


def test_the_shipped_demo_offers_its_levels_from_views_in_the_cache(env, tmp_path):
    shipped = regions.shipped_dir()
    demo = regions.load_file(shipped / "demo" / "region.yaml")
    # A level the demo's files lack: the view built is the first level they have.
    assert views.levels(demo, "4", "private") == ["sector", "3"]
    assert not (shipped / "demo" / views.VIEWS_NAME).exists()  # never written
    (cached,) = (tmp_path / "data" / "cache").glob("views-demo-*.json")
    assert list(json.loads(cached.read_text())["views"]) == ["sector/private"]
    with pytest.raises(DataFileError, match="does not offer them"):
        views.region_view(demo, "4", "private")
    assert len(views.region_view(demo, "3", "all").charts) == 4


def test_views_that_cannot_be_written_beside_the_region_go_to_the_cache(env, tmp_path):
    ro = tmp_path / "regions" / "ro"
    ro.mkdir(parents=True)
    (ro / "region.yaml").write_text(
        f"name: RO\nstate: '10000'\ncounties: ['10003']\nqcew: ['{DE}']\n"
    )
    # A folder in the way fails the write as a read-only folder would (also as root).
    (ro / views.VIEWS_NAME).mkdir()
    folder = regions.load_file(ro / "region.yaml")
    view = views.region_view(folder, "3", "private")
    assert list((tmp_path / "data" / "cache").glob("views-ro-*.json"))
    assert len(view.table) > 20
    again = views.region_view(folder, "3", "private")
    pd.testing.assert_frame_equal(again.table, view.table)


def test_a_broken_file_gives_the_readers_message_not_a_traceback(env, tmp_path):
    bad = tmp_path / "regions" / "bad"
    bad.mkdir(parents=True)
    (bad / "cut.csv").write_text(DE.read_text()[:5000])  # cut mid-row
    (bad / "region.yaml").write_text(
        "name: Bad\nstate: '10000'\ncounties: ['10001']\nqcew: [cut.csv]\n"
    )
    folder = regions.load_file(bad / "region.yaml")
    with pytest.raises(DataFileError) as err:
        views.region_view(folder, "sector", "private")
    text = str(err.value)
    assert "cut.csv" in text and "truncated" in text and "Traceback" not in text


def test_a_page_process_does_not_load_qcew_or_chart_libraries(env):
    """The Step 2 form showing a region, in a fresh interpreter as in a kernel."""
    code = (
        "import sys\n"
        "from sectorwb import content, widgets\n"
        "form = widgets.WorksheetForm(content.get('step2_scope'))\n"
        "ex = form.explorers[0]\n"
        "ex.use_region('delaware')\n"
        "ex.level.value = '4'\n"
        "svgs = sum('<svg' in c.value for c in ex.results.children\n"
        "           if hasattr(c, 'value'))\n"
        "heavy = ['altair', 'vl_convert', 'jsonschema', 'pyarrow.csv',\n"
        "         'pyarrow.parquet', 'sectorwb.lmi.qcew', 'sectorwb.lmi.charts']\n"
        "print(svgs, [m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split()[0] == "4"
    assert out.strip().endswith("[]"), out
