"""The apology form as Word (python-docx) and PDF (WeasyPrint), from apology.document_context."""

import io
from html import escape

from server import documents
from server.documents import CENTER, paragraph


def docx_bytes(context):
    """The apology form in the administrative layout that server.documents owns."""
    document = documents.a4_document()
    documents.heading_block(document, context["parent"], context["office_upper"], context["number"],
                            context["date_line"])
    paragraph(document, context["title"], bold=True, size=14, align=CENTER)
    for text in context["paragraphs"]:
        paragraph(document, text, size=13)
    documents.signature_block(document, context["recipients"], context["signature_title"],
                              context["signature_note"])
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
