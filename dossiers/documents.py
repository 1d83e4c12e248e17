"""The apology form as Word (python-docx) and PDF (WeasyPrint), from apology.document_context."""

import io
from html import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

FONT = "Times New Roman"  # the administrative standard (Decree 30/2020)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _line(cell_or_doc, text, bold=False, italic=False, size=13, centre=False, underline=False):
    paragraph = cell_or_doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size, run.font.name = Pt(size), FONT
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(3)
    return paragraph


def docx_bytes(context):
    document = Document()
    for section in document.sections:
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    header = document.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.paragraphs[0].text = ""
    if context["parent"]:
        _line(left, context["parent"], size=12, centre=True)
    _line(left, context["office_upper"], bold=True, size=12, centre=True)
    _line(left, context["number"], size=13, centre=True)
    _line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12, centre=True)
    _line(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13, centre=True, underline=True)
    _line(right, context["date_line"], italic=True, size=13, centre=True)
    _line(document, "")
    _line(document, context["title"], bold=True, size=14, centre=True)
    for text in context["paragraphs"]:
        _line(document, text, size=13)
    signature = document.add_table(rows=1, cols=2)
    recipients, signer = signature.rows[0].cells
    _line(recipients, "Nơi nhận:", bold=True, italic=True, size=12)
    for name in context["recipients"]:
        _line(recipients, f"- {name}", size=11)
    _line(signer, context["signature_title"], bold=True, size=13, centre=True)
    _line(signer, context["signature_note"], italic=True, size=13, centre=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_CSS = """
@page { size: A4; margin: 2cm 1.5cm 2cm 3cm; }
body { font-family: "Times New Roman", "Noto Serif", serif; font-size: 13pt; line-height: 1.35; }
.head { display: flex; justify-content: space-between; text-align: center; }
.head div { width: 48%; } .b { font-weight: bold; } .i { font-style: italic; } .u { text-decoration: underline; }
h1 { font-size: 14pt; text-align: center; margin: 1.2em 0 0.8em; }
p { margin: 0 0 0.4em; text-align: justify; }
.sign { display: flex; justify-content: space-between; margin-top: 1.5em; }
.sign div { width: 48%; } .sign .signer { text-align: center; } small { font-size: 11pt; }
"""


def html(context):
    e = escape
    parent = f"<div>{e(context['parent'])}</div>" if context["parent"] else ""
    body = "".join(f"<p>{e(text)}</p>" for text in context["paragraphs"])
    recipients = "".join(f"<small>- {e(name)}</small><br>" for name in context["recipients"])
    return (f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><style>{_CSS}</style></head><body>"
            f"<div class='head'><div>{parent}<div class='b'>{e(context['office_upper'])}</div>"
            f"<div>{e(context['number'])}</div></div>"
            f"<div><div class='b'>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>"
            f"<div class='b u'>Độc lập - Tự do - Hạnh phúc</div><div class='i'>{e(context['date_line'])}</div></div>"
            f"</div><h1>{e(context['title'])}</h1>{body}"
            f"<div class='sign'><div><span class='b i'>Nơi nhận:</span><br>{recipients}</div>"
            f"<div class='signer'><div class='b'>{e(context['signature_title'])}</div>"
            f"<div class='i'>{e(context['signature_note'])}</div></div></div></body></html>")


def pdf_bytes(context):
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    # Everything the form shows is in this HTML: nothing is fetched, from anywhere.
    return HTML(string=html(context), url_fetcher=_fetch_nothing).write_pdf()


def _fetch_nothing(url, *args, **kwargs):
    raise ValueError(f"the apology form loads no resources ({url[:40]})")
