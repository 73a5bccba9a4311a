"""Team cards to print and cut: per team its name, link, a QR code of that link, the
venue address and the team code, six cards to a page."""

from __future__ import annotations

import io
import shutil
import subprocess
from typing import Any

from .academy import Academy
from .errors import AcademyError
from .export import xml_text
from .wordfile import (
    DOCX_MIME,
    PDF_MIME,
    libreoffice,
    new_document,
    pdf_bytes,
    row_flag,
    to_bytes,
)

# Page sizes in mm. Cards are the same size on both, so a PDF printed on the other
# paper at "actual size" still cuts along its lines.
PAPERS = {"letter": (215.9, 279.4), "a4": (210.0, 297.0)}
COLUMNS = 2
CARD_MM = (90.0, 82.0)  # wide, high (at least): 2 x 3 fit both papers' margins
MARGIN_MM = 10.0
PAD_MM = 4.0
# Printed width of a code, quiet zone included: 38 mm gives a typical link (version
# 6-8) modules of 0.7-0.8 mm, read from arm's length by any phone camera.
QR_MM = 38.0
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules
# At most 300 dpi at 38 mm: LibreOffice resamples pictures above 300 dpi in its PDFs,
# which would smear the modules; below it a whole number of pixels per module stays.
QR_MAX_PX = 448
FONT = "Arial"  # Liberation Sans in LibreOffice; its fallback fonts fill other scripts
CODE_FONT = "Courier New"  # equal widths, so the two halves of a code line up
CUT_COLOUR = "999999"


def grouped_code(code: str) -> str:
    """A team code as printed: two halves of five (typed codes ignore the space)."""
    return f"{code[:5]} {code[5:]}"


def cards_docx(
    academy: Academy, public_url: str | None = None, paper: str = "letter"
) -> bytes:
    """The Academy's team cards as a Word file: a card per team, six to a page, cut
    along the dashed lines; a card never splits across pages."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
    from docx.shared import Mm

    links = academy.links(public_url)
    if not links:
        raise AcademyError(
            f"{academy.name} has no teams, so there are no cards to print. Add one "
            f"with `sectorwb academy add {academy.slug} NAME`."
        )
    venue = _venue(links[0][2])
    doc = new_document()
    normal = doc.styles["Normal"].paragraph_format
    # Single lines, no space after: python-docx's template adds 10 pt to each line.
    normal.space_after, normal.line_spacing = 0, 1.0
    _set_page(doc.sections[0], paper, academy.name)
    rows = -(-len(links) // COLUMNS)
    table = doc.add_table(rows=rows, cols=COLUMNS)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _table_props(table, (PAD_MM,) * 4, cut=True)
    for row in table.rows:
        row_flag(row, "cantSplit")  # a card stays whole on one page
        row.height = Mm(CARD_MM[1])
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    _widths(table, *[Mm(CARD_MM[0])] * COLUMNS)
    cells = [cell for row in table.rows for cell in row.cells]
    for cell, (team, code, link) in zip(cells, links, strict=False):
        _fill_card(cell, academy.name, team, code, link, venue)
    return to_bytes(doc)


def filename(academy: Academy, suffix: str) -> str:
    return f"team-cards-{academy.slug}.{suffix}"


def cards_file(
    academy: Academy, public_url: str | None = None, paper: str = "letter"
) -> tuple[str, str, bytes]:
    """The cards as one download: (file name, MIME type, bytes). A PDF when
    LibreOffice is installed, else the Word file; ConversionError when LibreOffice
    is there but fails (``cards_docx`` still gives the Word file)."""
    docx = cards_docx(academy, public_url, paper)
    if libreoffice() is None:
        return filename(academy, "docx"), DOCX_MIME, docx
    stem = filename(academy, "pdf").removesuffix(".pdf")
    return filename(academy, "pdf"), PDF_MIME, pdf_bytes(docx, stem)


def font_warning(academy: Academy) -> str | None:
    """What to tell the trainer when a team name has letters that no font on this
    computer has: LibreOffice prints them as empty boxes (the QR codes still work).
    None when every name prints, or when fontconfig cannot tell (not Linux)."""
    covered = _font_letters()
    if covered is None:
        return None
    names = [
        t.name
        for t in academy.teams(counts=False)
        if any(ord(c) not in covered for c in t.name if not c.isspace())
    ]
    if not names:
        return None
    return (
        f"No font on this computer has every letter of {', '.join(names)}: the PDF "
        "shows those letters as boxes (the QR codes and links still work). Install "
        "fonts for them (Debian: sudo apt-get install -y fonts-noto-core "
        "fonts-noto-cjk) and write the cards again, or print the .docx from Word."
    )


def _font_letters() -> set[int] | None:
    """Every character some installed font has, as fontconfig (LibreOffice's font
    source on Linux) lists them."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    done = subprocess.run(
        [fc_list, "--format", "%{charset}\n"], capture_output=True, text=True
    )
    if done.returncode != 0:
        return None
    letters: set[int] = set()
    for span in done.stdout.split():
        first, _, last = span.partition("-")
        letters.update(range(int(first, 16), int(last or first, 16) + 1))
    return letters


def qr_png(link: str) -> bytes:
    """A QR code of exactly ``link`` as a black-and-white PNG, quiet zone kept."""
    import segno

    # Error level M at least (15% of the code may be smudged or folded); segno raises
    # it further when that fits in the same size.
    code = segno.make_qr(link, error="m")
    modules = code.symbol_size(border=QR_BORDER)[0]
    buf = io.BytesIO()
    code.save(buf, kind="png", scale=max(1, QR_MAX_PX // modules), border=QR_BORDER)
    return buf.getvalue()


def _venue(link: str) -> str:
    """The base of a team link: the address as ``Academy.link`` checked it."""
    return link.split("/voila/", 1)[0]


def _set_page(section: Any, paper: str, academy_name: str) -> None:
    from docx.shared import Mm, Pt

    if paper not in PAPERS:
        raise AcademyError(
            f"Paper {paper!r} is not known: use one of {', '.join(PAPERS)}."
        )
    width, height = PAPERS[paper]
    section.page_width, section.page_height = Mm(width), Mm(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    section.header_distance = Mm(4)
    para = section.header.paragraphs[0]
    para.text = xml_text(f"Team cards of {academy_name}: cut along the dashed lines.")
    for run in para.runs:
        run.font.size = Pt(8)
        _font(run, FONT)


def _fill_card(
    cell: Any, academy_name: str, team: str, code: str, link: str, venue: str
) -> None:
    from docx.shared import Mm, RGBColor

    grey = RGBColor(0x55, 0x55, 0x55)
    _text(cell.paragraphs[0], academy_name, 9, colour=grey)
    _text(cell.add_paragraph(), team, _name_size(team), bold=True, after=2)
    _text(cell.add_paragraph(), "Join the venue Wi-Fi, then open", 8)
    _text(cell.add_paragraph(), venue, 11, bold=True, after=4)
    inner = cell.add_table(rows=1, cols=2)
    inner.autofit = False
    _table_props(inner, (0, 0, 0, 2), cut=False)
    qr_cell, text_cell = inner.rows[0].cells
    _widths(inner, Mm(QR_MM + 2), Mm(CARD_MM[0] - QR_MM - 2 - 2 * PAD_MM))
    run = qr_cell.paragraphs[0].add_run()
    run.add_picture(io.BytesIO(qr_png(link)), width=Mm(QR_MM), height=Mm(QR_MM))
    _text(text_cell.paragraphs[0], "Team code", 8, colour=grey, before=6)
    _text(text_cell.add_paragraph(), grouped_code(code), 16, bold=True, font=CODE_FONT)
    _text(
        text_cell.add_paragraph(),
        "Scan the square, or type the team name and this code into the page.",
        8,
        before=4,
    )
    # python-docx ends the cell with an empty paragraph after the inner table, as
    # Word asks: the link goes there.
    _text(cell.paragraphs[-1], link, 6.5, colour=grey, before=2)


def _name_size(team: str) -> int:
    """Points for the team name: large, yet a long name takes two lines at most, so
    three rows of cards still fit on a page."""
    return 20 if len(team) <= 20 else 16 if len(team) <= 30 else 12


def _widths(table: Any, *widths: Any) -> None:
    # Both the grid and every cell: LibreOffice reads the one, Word the other.
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _text(
    para: Any,
    text: str,
    size: float,
    bold: bool = False,
    colour: Any = None,
    font: str = FONT,
    before: float = 0,
    after: float = 0,
) -> None:
    from docx.shared import Pt

    run = para.add_run(xml_text(text))
    run.bold = bold
    run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour
    _font(run, font)
    if before or after:
        para.paragraph_format.space_before = Pt(before)
        para.paragraph_format.space_after = Pt(after)


def _font(run: Any, name: str) -> None:
    """The font for every script of the run (python-docx sets only the Latin one)."""
    from docx.oxml.ns import qn

    run.font.name = name
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("w:eastAsia", "w:cs", "w:hAnsi"):
        fonts.set(qn(script), name)


def _table_props(table: Any, margins_mm: tuple[float, ...], cut: bool) -> None:
    """Cell margins (top, left, bottom, right) and, for the card grid, dashed grey
    borders around and between the cards: where to cut. Nested tables need their
    own margins: LibreOffice gives them the outer table's otherwise."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = table._tbl.tblPr
    if cut:
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            line = OxmlElement(f"w:{edge}")
            for key, value in (("val", "dashed"), ("sz", "6"), ("space", "0")):
                line.set(qn(f"w:{key}"), value)
            line.set(qn("w:color"), CUT_COLOUR)
            borders.append(line)
        props.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for edge, mm in zip(("top", "left", "bottom", "right"), margins_mm, strict=True):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str(round(mm / 25.4 * 1440)))  # twips
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    props.append(margins)
    # Word refuses a file whose table properties are out of the schema's order.
    order = {qn(f"w:{tag}"): i for i, tag in enumerate(_TBL_PR_ORDER)}
    props[:] = sorted(props, key=lambda child: order.get(child.tag, len(order)))


_TBL_PR_ORDER = (
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize "
    "tblW jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook"
).split()
