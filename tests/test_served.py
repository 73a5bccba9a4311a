"""The served app over plain HTTP: every workbook renders, shows no code, no traceback,
and names no host but the server itself (Academy venues may have no internet); the
renders with the answers in SQLite and in PostgreSQL."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import ENGINES, VoilaServer, server_on_engine

pytestmark = [pytest.mark.served, pytest.mark.slow]

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"
NOTEBOOKS = sorted(p.name for p in WORKBOOKS.glob("*.ipynb"))
RENDER_TIMEOUT_S = 60
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# What a Python failure looks like when it leaks into a page.
TRACEBACK_SIGNS = ("Traceback", 'File "/', "There was an error when executing cell")


def render(server: Any, url: str) -> tuple[int, str, float]:
    """Fetch a page (Voila runs the notebook to build it), then free its kernel."""
    started = time.monotonic()
    status, html = server.get(url, timeout=RENDER_TIMEOUT_S)
    elapsed = time.monotonic() - started
    server.shutdown_kernels_in(html)
    return status, html, elapsed


class _Resources(HTMLParser):
    """Every URL a page makes the browser load: link/script/img/... and JS imports."""

    _ATTRS = {
        "link": "href",
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "embed": "src",
        "audio": "src",
        "video": "src",
    }
    _JS_TYPES = {"", "text/javascript", "module", "application/javascript"}
    _IMPORT = re.compile(
        r"""\bimport\s*\(\s*["'`]([^"'`]+)|\bimport\s[^;'"]*?\bfrom\s*["']([^"']+)"""
        r"""|\bimport\s*["']([^"']+)"""
    )
    _CSS_URL = re.compile(r"""@import\s+["']([^"']+)|url\(\s*["']?([^"')]+)""")

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        wanted = self._ATTRS.get(tag)
        if wanted and values.get(wanted):
            self.urls.append((f"<{tag} {wanted}>", values[wanted]))
        if tag == "script" and values.get("type", "").lower() in self._JS_TYPES:
            self._in = "script"
        elif tag == "style":
            self._in = "style"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            for match in self._IMPORT.finditer(data):
                self.urls.append(("import", next(g for g in match.groups() if g)))
        elif self._in == "style":
            for match in self._CSS_URL.finditer(data):
                self.urls.append(("css", next(g for g in match.groups() if g)))


def loaded_urls(html: str) -> list[tuple[str, str]]:
    parser = _Resources()
    parser.feed(html)
    parser.close()
    return parser.urls


def foreign(url: str) -> bool:
    """True when a URL points at a host other than the loopback server."""
    parts = urlsplit(url)
    if parts.scheme in ("", "http", "https", "ws", "wss") and parts.netloc:
        return parts.hostname not in LOOPBACK
    return parts.scheme not in ("", "http", "https", "data", "blob")


@pytest.fixture(scope="module", params=ENGINES)
def rendered(
    request: pytest.FixtureRequest, voila_server: VoilaServer
) -> tuple[VoilaServer, dict[str, tuple[int, str, float]]]:
    """Every workbook rendered once for team "Served" (status, HTML, seconds), with
    the answers in SQLite, then in PostgreSQL: the server and its pages."""
    server = server_on_engine(request, voila_server)
    return server, {
        notebook: render(server, server.url(notebook, "Served"))
        for notebook in NOTEBOOKS
    }


@pytest.fixture
def served(rendered: tuple[VoilaServer, dict]) -> dict[str, tuple[int, str, float]]:
    return rendered[1]


def test_there_are_workbooks() -> None:
    assert "00_start_here.ipynb" in NOTEBOOKS and len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_workbook_renders(served: dict, notebook: str) -> None:
    status, html, elapsed = served[notebook]
    assert status == 200
    assert elapsed < RENDER_TIMEOUT_S
    assert 'id="rendered_cells"' in html, "not a Voila page"
    assert "application/vnd.jupyter.widget-view+json" in html, "no widget rendered"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_page_shows_no_source_and_no_traceback(served: dict, notebook: str) -> None:
    _, html, _ = served[notebook]
    source = (WORKBOOKS / notebook).read_text()
    assert "from sectorwb import" in source  # else this test proves nothing
    assert "from sectorwb import" not in html, "notebook source is served"
    assert "show(" not in html and "show_start(" not in html
    for sign in TRACEBACK_SIGNS:
        assert sign not in html


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_page_loads_nothing_from_other_hosts(rendered: tuple, notebook: str) -> None:
    server, served = rendered
    _, html, _ = served[notebook]
    urls = loaded_urls(html)
    assert any(kind == "<script src>" for kind, _ in urls), "parser found no scripts"
    offenders = [(kind, u) for kind, u in urls if foreign(u)]
    assert offenders == [], f"the page loads from other hosts: {offenders}"
    # What it loads from the server itself must exist (an offline page that 404s
    # its own stylesheet is broken just the same).
    page_url = server.url(notebook, "Served")
    for kind, ref in urls:
        target = urljoin(page_url, ref)
        if urlsplit(target).scheme in ("http", "https"):
            status, _ = server.get(target, timeout=30)
            assert status == 200, f"{kind} {ref}"


def test_foreign_url_check_catches_a_cdn() -> None:
    page = (
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/x/all.min.css">'
        '<script src="/voila/static/voila.js"></script>'
        "<script>const m = import('https://cdn.example.org/mermaid.esm.mjs');</script>"
        "<style>@import 'https://fonts.example.com/font.css';</style>"
        '</head><body><svg xmlns="http://www.w3.org/2000/svg"></svg>'
        '<link rel="icon" href="data:;base64,="></body></html>'
    )
    bad = sorted(u for _, u in loaded_urls(page) if foreign(u))
    assert bad == [
        "https://cdn.example.org/mermaid.esm.mjs",
        "https://cdn.jsdelivr.net/npm/x/all.min.css",
        "https://fonts.example.com/font.css",
    ]


@pytest.mark.parametrize(
    ("notebook", "query"),
    [(nb, "team=..%2F..%2Fetc") for nb in NOTEBOOKS]
    + [(nb, "team=%3Cscript%3Ealert(1)%3C%2Fscript%3E") for nb in NOTEBOOKS[:2]],
)
def test_bad_team_in_url_is_a_page_not_a_traceback(
    voila_server: Any, data_dir: Path, notebook: str, query: str
) -> None:
    before = {p.name for p in data_dir.iterdir()}
    status, html, _ = render(voila_server, voila_server.url(notebook, query=query))
    assert status == 200
    for sign in TRACEBACK_SIGNS:
        assert sign not in html
    assert "<script>alert(1)" not in html
    # A team name never becomes a path: the data folder holds only the database.
    added = {p.name for p in data_dir.iterdir()} - before
    assert added <= {"answers.sqlite3", "answers.sqlite3-wal", "answers.sqlite3-shm"}
