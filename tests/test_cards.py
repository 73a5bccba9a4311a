"""Team cards as a trainer prints them: every QR code read back from the rendered
pages (real LibreOffice, poppler and OpenCV) gives exactly the team links; names and
codes are on the page of their card; bad CLI input gets a message and no file."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import cv2
import docx
import numpy as np
import pytest
import segno

from sectorwb import academy, cards, wordfile
from sectorwb.cli import main

SLUG = "denver-metro-2027"
VENUE = "http://venue-laptop.local:8866"
# Accents, Greek and Cyrillic, and a long name that takes two lines: seven cards,
# so two pages.
NAMES = [
    "Metro Health",
    "Équipe Sud",
    "Zürich Team",
    "North County Manufacturing and Logistics",
    "Κρήτη Ομάδα",
    "Команда Юг",
    "Team C",
]
pdf_tools = pytest.mark.skipif(
    not (
        wordfile.libreoffice()
        and shutil.which("pdftoppm")
        and shutil.which("pdftotext")
    ),
    reason="LibreOffice or poppler-utils is not installed, so printed cards are not "
    "tested here: sudo apt-get install -y libreoffice-writer poppler-utils "
    "(.ci/run does)",
)


def _academy(names: list[str]) -> academy.Academy:
    return academy.create("Denver Metro 2027", "demo", names)[0]


def _no_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without LibreOffice: nothing on PATH."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert wordfile.libreoffice() is None


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _pages(pdf: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdf))).group(1))


def _page_text(pdf: Path, page: int) -> str:
    return _run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-")


def _scanned(pdf: Path, folder: Path, pages: list[int]) -> dict[int, list[str]]:
    """The QR codes read from each page as printed at 150 dpi: page -> texts."""
    found = {}
    detector = cv2.QRCodeDetectorAruco()
    for page in pages:
        prefix = folder / f"page{page}"
        _run("pdftoppm", "-r", "150", "-gray", "-png", "-singlefile",
             "-f", str(page), "-l", str(page), str(pdf), str(prefix))  # fmt: skip
        image = cv2.imread(f"{prefix}.png", cv2.IMREAD_GRAYSCALE)
        ok, texts, _, _ = detector.detectAndDecodeMulti(image)
        found[page] = [t for t in texts if t] if ok else []
    return found


def _team_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["team"][0]


@pdf_tools
@pytest.mark.slow
def test_printed_cards_scan_to_exactly_the_team_links(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = _academy(NAMES)  # its own address is the default; the venue's is given
    pdf = tmp_path / "cards.pdf"
    argv = ["academy", "cards", SLUG, "--out", str(pdf), "--public-url", VENUE]
    assert main(argv) == 0
    assert (
        f"Wrote 7 team cards of Denver Metro 2027 to {pdf}" in capsys.readouterr().out
    )
    links = made.links(VENUE)
    assert all(link.startswith(f"{VENUE}/voila/render/") for _, _, link in links)
    assert _pages(pdf) == 2  # six cards to a page
    scanned = _scanned(pdf, tmp_path, [1, 2])
    assert [len(texts) for texts in scanned.values()] == [6, 1]
    every = [text for texts in scanned.values() for text in texts]
    assert sorted(every) == sorted(link for _, _, link in links)
    codes = {name: code for name, code, _ in links}
    for page, texts in scanned.items():
        text = _page_text(pdf, page)
        assert VENUE in text and "Denver Metro 2027" in text
        for link in texts:  # the name and code are on the page of their QR code
            name = _team_of(link)
            assert " ".join(name.split()) in " ".join(text.split())
            assert cards.grouped_code(codes[name]) in text
            assert academy.typed_token(cards.grouped_code(codes[name])) == codes[name]


def _card_cells(document: docx.document.Document) -> list[docx.table._Cell]:
    return [cell for row in document.tables[0].rows for cell in row.cells]


def test_word_cards_hold_a_readable_qr_of_each_link(data: Path) -> None:
    made = _academy(NAMES)
    document = docx.Document(io.BytesIO(cards.cards_docx(made, VENUE)))
    cells = _card_cells(document)
    assert len(cells) == 8  # 2 x 4 rows: seven cards and one empty place
    assert all(
        row._tr.trPr.find(docx.oxml.ns.qn("w:cantSplit")) is not None
        for row in document.tables[0].rows
    )
    detector = cv2.QRCodeDetector()
    for cell, (name, code, link) in zip(cells, made.links(VENUE), strict=False):
        text = "\n".join(p.text for p in cell.paragraphs)
        inner = "\n".join(
            p.text for c in cell.tables[0].rows[0].cells for p in c.paragraphs
        )
        assert text.startswith(f"Denver Metro 2027\n{name}\n")
        assert VENUE in text and link in text
        assert cards.grouped_code(code) in inner
        blip = cell._tc.xpath(".//a:blip/@r:embed")
        assert len(blip) == 1
        png = document.part.related_parts[blip[0]].blob
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
        decoded, _, _ = detector.detectAndDecode(image)
        assert decoded == link
        # The quiet zone: four modules of white on every side.
        modules = segno.make_qr(link, error="m").symbol_size(border=0)[0]
        scale, rest = divmod(image.shape[0], modules + 8)
        assert rest == 0 and image.shape[0] <= cards.QR_MAX_PX
        band = 4 * scale
        assert image[:band].min() == image[-band:].min() == 255
        assert image[:, :band].min() == image[:, -band:].min() == 255
        assert image[band:-band, band:-band].min() == 0
    assert not "".join(p.text for p in cells[-1].paragraphs).strip()


def test_without_libreoffice_the_download_is_the_word_file(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _academy(NAMES[:2])
    _no_libreoffice(tmp_path, monkeypatch)
    name, mime, body = cards.cards_file(made)
    assert (name, mime) == ("team-cards-denver-metro-2027.docx", wordfile.DOCX_MIME)
    cells = _card_cells(docx.Document(io.BytesIO(body)))
    assert [c.paragraphs[1].text for c in cells] == NAMES[:2]
    assert academy.DEFAULT_PUBLIC_URL in cells[0].paragraphs[3].text


@pdf_tools
@pytest.mark.slow
def test_with_libreoffice_the_download_is_a_pdf(data: Path, tmp_path: Path) -> None:
    made = _academy(["Zürich Team"])
    name, mime, body = cards.cards_file(made, VENUE, paper="a4")
    assert (name, mime) == ("team-cards-denver-metro-2027.pdf", "application/pdf")
    pdf = tmp_path / name
    pdf.write_bytes(body)
    assert "A4" in _run("pdfinfo", str(pdf))
    assert "Zürich Team" in _page_text(pdf, 1)
    assert _scanned(pdf, tmp_path, [1]) == {1: [made.link("Zürich Team", VENUE)]}


def test_links_and_new_say_how_to_print_the_cards(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    teams = tmp_path / "teams.txt"
    teams.write_text("Metro Health\n", encoding="utf-8")
    argv = ["academy", "new", "Denver Metro 2027", "--region", "demo", "--teams"]
    assert main([*argv, str(teams)]) == 0
    hint = f"sectorwb academy cards {SLUG} --out team-cards.pdf"
    assert hint in capsys.readouterr().out
    assert main(["academy", "links", SLUG, "--public-url", VENUE]) == 0
    assert f"{hint} --public-url {VENUE}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("out", "extra", "said"),
    [
        ("cards.txt", [], "--out {out}: name a .pdf or a .docx file"),
        ("cards", [], "--out {out}: name a .pdf or a .docx file"),
        (
            "old.docx",
            [],
            "{out} exists already. Give another file name, or add --replace",
        ),
        ("cards.docx", ["--public-url", "venue-laptop:8866"], "starting with http://"),
        (
            "cards.docx",
            ["--public-url", "http://venue laptop"],
            "starting with http://",
        ),
        ("no-folder/cards.docx", [], "no-folder is not a folder: create it first"),
        (
            "cards.pdf",
            ["no-libreoffice"],
            "PDF needs LibreOffice, which is not installed",
        ),
        ("cards.docx", ["no-teams"], "has no teams, so there are no cards to print"),
        ("cards.docx", ["no-academy"], "There is no Academy 'spring-2031'"),
    ],
    ids=[
        "txt",
        "no-suffix",
        "exists",
        "url",
        "url-space",
        "folder",
        "no-lo",
        "empty",
        "slug",
    ],
)
def test_bad_cards_command_says_why_and_writes_nothing(
    data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    out: str,
    extra: list[str],
    said: str,
) -> None:
    made = _academy(["Metro Health"])
    path = tmp_path / out
    (tmp_path / "old.docx").write_bytes(b"the trainer's own file")
    slug = SLUG
    if "no-libreoffice" in extra:
        _no_libreoffice(tmp_path, monkeypatch)
    if "no-teams" in extra:
        made.remove_team("Metro Health")
    if "no-academy" in extra:
        slug = "spring-2031"
    options = [e for e in extra if not e.startswith("no-")]
    assert main(["academy", "cards", slug, "--out", str(path), *options]) == 2
    captured = capsys.readouterr()
    assert said.format(out=path) in captured.err and "Traceback" not in captured.err
    assert not captured.out
    assert (tmp_path / "old.docx").read_bytes() == b"the trainer's own file"
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["old.docx"]


def test_replace_writes_over_an_old_file(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _academy(["Metro Health"])
    path = tmp_path / "cards.docx"
    path.write_bytes(b"an old printout")
    assert main(["academy", "cards", SLUG, "--out", str(path), "--replace"]) == 0
    first = docx.Document(path).tables[0].rows[0].cells[0].paragraphs[1].text
    assert first == "Metro Health"


def test_a_file_that_cannot_be_written_is_said(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _academy(["Metro Health"])
    folder = tmp_path / "cards.docx"  # a folder of that name, given with --replace
    folder.mkdir()
    assert main(["academy", "cards", SLUG, "--out", str(folder), "--replace"]) == 2
    err = capsys.readouterr().err
    assert f"{folder} cannot be written (Is a directory): pick a file" in err
    assert not any(folder.iterdir())


@pdf_tools
@pytest.mark.slow
def test_two_hundred_teams_make_one_pdf(data: Path, tmp_path: Path) -> None:
    made = _academy([f"Team {i:03d}" for i in range(academy.MAX_TEAMS)])
    name, mime, body = cards.cards_file(made, VENUE)
    assert mime == "application/pdf"
    pdf = tmp_path / name
    pdf.write_bytes(body)
    assert _pages(pdf) == 34  # 33 full pages of six, two cards on the last
    text = _run("pdftotext", str(pdf), "-")
    lines = set(text.splitlines())
    links = made.links(VENUE)
    for team, code, _ in links:
        assert team in lines and cards.grouped_code(code) in lines
    scanned = _scanned(pdf, tmp_path, [1, 34])
    assert sorted(scanned[1]) == sorted(link for _, _, link in links[:6])
    assert sorted(scanned[34]) == sorted(link for _, _, link in links[198:])


# Old Hungarian letters: a script that the usual font packages leave out.
RARE = "Team 𐲀𐲁𐲂"


def _fonts_with(char: str) -> int:
    found = _run("fc-list", f":charset={ord(char):x}")
    return len(found.splitlines())


@pytest.mark.skipif(not shutil.which("fc-list"), reason="fontconfig is not installed")
def test_names_no_font_can_print_are_named(data: Path) -> None:
    if _fonts_with(RARE[-1]):
        pytest.skip("a font here has Old Hungarian letters, so nothing is missing")
    made = _academy(NAMES)
    assert cards.font_warning(made) is None  # accents, Greek, Cyrillic all print
    made.add_team(RARE)
    warning = cards.font_warning(made)
    assert warning is not None
    assert f"every letter of {RARE}: the PDF shows those letters as boxes" in warning
    assert not any(name in warning for name in NAMES)


@pdf_tools
@pytest.mark.slow
def test_cards_command_warns_of_letters_that_print_as_boxes(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not shutil.which("fc-list") or _fonts_with(RARE[-1]):
        pytest.skip("no fontconfig, or a font here has Old Hungarian letters")
    _academy(["Metro Health", RARE])
    pdf = tmp_path / "cards.pdf"
    assert main(["academy", "cards", SLUG, "--out", str(pdf)]) == 0
    captured = capsys.readouterr()
    assert "Wrote 2 team cards" in captured.out
    assert (
        f"sectorwb: warning: No font on this computer has every letter of {RARE}"
        in (captured.err)
    )
    assert len(_scanned(pdf, tmp_path, [1])[1]) == 2  # the cards work all the same
