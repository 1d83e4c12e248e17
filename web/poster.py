"""The counter's poster: a PDF (A4 or A5) with the QR code, the office and counter, a
one-line instruction in Vietnamese and the short address in print.

The QR code is drawn as vector squares (segno's module matrix), so it stays sharp at any
print size. The font is Roboto, which has every Vietnamese letter; it comes with Kivy,
a runtime dependency, and is found without importing Kivy.
"""

import importlib.util
import os

import segno
from fpdf import FPDF

SIZES = {"A4": (210, 297), "A5": (148, 210)}


def _font(name):
    spec = importlib.util.find_spec("kivy")
    return os.path.join(spec.submodule_search_locations[0], "data", "fonts", name)


def poster_pdf(url, office_name, counter_label, instruction, or_open, size="A4"):
    """The poster as PDF bytes."""
    width, height = SIZES[size]
    scale = width / 210
    pdf = FPDF(orientation="portrait", unit="mm", format=size)
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font("Roboto", "", _font("Roboto-Regular.ttf"))
    pdf.add_font("Roboto", "B", _font("Roboto-Bold.ttf"))
    pdf.set_title(f"{office_name} - {counter_label}")
    pdf.add_page()
    margin = 18 * scale
    pdf.set_text_color(29, 35, 42)
    pdf.set_xy(margin, 20 * scale)
    pdf.set_font("Roboto", "B", 26 * scale)
    pdf.multi_cell(width - 2 * margin, 11 * scale, office_name, align="C")
    pdf.set_x(margin)
    pdf.set_font("Roboto", "", 22 * scale)
    pdf.multi_cell(width - 2 * margin, 11 * scale, counter_label, align="C")
    pdf.ln(6 * scale)
    pdf.set_x(margin)
    pdf.set_font("Roboto", "B", 20 * scale)
    pdf.multi_cell(width - 2 * margin, 9.5 * scale, instruction, align="C")

    qr = segno.make(url, error="m")
    modules = list(qr.matrix_iter(border=4))
    side = 120 * scale
    cell = side / len(modules)
    left, top = (width - side) / 2, max(pdf.get_y() + 14 * scale, 80 * scale)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(modules):
        column = 0
        while column < len(row):  # one rectangle per run of dark modules: a smaller file
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                pdf.rect(left + start * cell, top + row_index * cell, (column - start) * cell, cell, style="F")
            else:
                column += 1
    pdf.set_xy(margin, top + side + 6 * scale)
    pdf.set_font("Roboto", "", 16 * scale)
    pdf.cell(width - 2 * margin, 8 * scale, or_open, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(margin)
    pdf.set_font("Roboto", "B", 22 * scale)
    pdf.cell(width - 2 * margin, 11 * scale, url.split("://", 1)[-1], align="C")
    return bytes(pdf.output())
