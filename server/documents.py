"""Word documents in the form of a Vietnamese administrative document (Decree 30/2020/NĐ-CP).

The one owner of that form for every component that files a document (the quarterly report,
the apology letter): an A4 page with the decree's margins and Times New Roman, the heading
block (the issuing office on the left, the national motto on the right, the number and date
lines), and the signature block ("Nơi nhận" on the left, the signer on the right).

Tables carry their column widths twice, in the table grid and on every cell: Word reads the
cells, LibreOffice Writer the grid, and a grid left to python-docx's equal split wraps the
national motto onto two lines in Writer.
"""

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FONT = "Times New Roman"  # the administrative standard; Word has it everywhere, Writer a metric twin
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_WIDTH_CM = 16.5  # A4 (21 cm) less the decree's margins: 3 cm left, 1.5 cm right
CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT


def a4_document():
    document = Document()
    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return document


def paragraph(container, text="", bold=False, italic=False, size=13, align=None, underline=False, space_after=3):
    """A paragraph added to a document or a table cell, in one run of the given form."""
    added = container.add_paragraph()
    if text:
        run = added.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        run.font.size = Pt(size)
    if align is not None:
        added.alignment = align
    added.paragraph_format.space_after = Pt(space_after)
    return added


def no_borders(table):
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def column_widths(table, widths_cm):
    """Fix a table's columns to `widths_cm`, for Word (cells) and Writer (grid) alike."""
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def _first_line(cell, text, bold=False, italic=False, size=13, underline=False):
    """Write into the cell's own first paragraph (a new cell has one, empty)."""
    line = cell.paragraphs[0]
    line.alignment = CENTER
    run = line.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    line.paragraph_format.space_after = Pt(3)


def heading_block(document, superior, issuer, number_line, date_line):
    """The issuing office (under its superior, if any) and the number line on the left; the
    national title, the motto underlined and the place and date on the right."""
    table = document.add_table(rows=1, cols=2)
    no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    if superior:
        _first_line(left, superior, size=12)
        paragraph(left, issuer, bold=True, size=12, align=CENTER)
    else:
        _first_line(left, issuer, bold=True, size=12)
    paragraph(left, number_line, size=13, align=CENTER)
    _first_line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12)
    paragraph(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True, size=13, align=CENTER)
    paragraph(right, date_line, italic=True, size=13, align=CENTER)
    column_widths(table, (6.5, TEXT_WIDTH_CM - 6.5))
    paragraph(document, "", space_after=6)
    return table


def signature_block(document, recipients, title, note="(Ký, ghi rõ họ tên, đóng dấu)"):
    """"Nơi nhận" and its list on the left; the signer's title, the note and room to sign on the right."""
    table = document.add_table(rows=1, cols=2)
    no_borders(table)
    left, right = table.rows[0].cells
    receivers = left.paragraphs[0].add_run("Nơi nhận:")
    receivers.bold, receivers.italic, receivers.font.size = True, True, Pt(12)
    for name in recipients:
        paragraph(left, f"- {name}", size=11, space_after=0)
    _first_line(right, title, bold=True, size=13)
    paragraph(right, note, italic=True, size=12, align=CENTER)
    for _ in range(3):
        paragraph(right, "")
    column_widths(table, (7.5, TEXT_WIDTH_CM - 7.5))
    return table
