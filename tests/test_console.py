"""The trainer console without a browser: pages say they are open, and the console
follows saves, team changes and the pages open, reading only what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from sectorwb import academy, config, presence
from sectorwb.store import Store

TEAMS = ["Aurora Health", "Team C"]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv(config.DATA_DIR_ENV, str(folder))
    monkeypatch.delenv(config.DB_ENV, raising=False)
    return folder


@pytest.fixture
def made(data: Path, monkeypatch: pytest.MonkeyPatch) -> academy.Academy:
    found, _key = academy.create("Room Test 2027", "demo", TEAMS)
    monkeypatch.setenv(config.ACADEMY_ENV, found.slug)
    yield found
    found.store.close()


def test_a_page_of_an_academy_says_it_is_open(made: academy.Academy) -> None:
    presence.announce(made.store, "Team C", "start")
    assert made.store.open_pages(presence.cutoff()) == {"Team C": 1}


def test_a_page_of_no_academy_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "answers.sqlite3")
    presence.announce(store, "Team C", "start")
    assert store.open_pages("2000-01-01") == {}
    store.close()
