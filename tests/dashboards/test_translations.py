"""Every text of the dashboards has its Vietnamese translation, and the compiled catalogue
the server loads is the one in the .po file."""

import subprocess

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.support import BIN, ROOT

CATALOGUE = ROOT / "dashboards" / "translations" / "vi" / "LC_MESSAGES"


def test_every_text_in_the_code_and_templates_is_translated(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run([str(BIN / "pybabel"), "-q", "extract", "-F", "dashboards/babel.cfg", "-k", "_", "-k", "gettext",
                    "-k", "tr", "-k", "lazy_gettext", "-k", "N_", "-o", str(template), "."], cwd=ROOT, check=True)
    wanted = {message.id for message in read_po(template.open("rb")) if message.id}
    translated = {message.id for message in read_po((CATALOGUE / "messages.po").open("rb"))
                  if message.id and message.string}
    assert sorted(wanted - translated) == []


def test_the_compiled_catalogue_matches_the_po_file():
    po = {m.id: m.string for m in read_po((CATALOGUE / "messages.po").open("rb")) if m.id}
    mo = {m.id: m.string for m in read_mo((CATALOGUE / "messages.mo").open("rb")) if m.id}
    assert mo == po
