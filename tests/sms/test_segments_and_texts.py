"""Segment counting (GSM-7 160/153, UCS-2 70/67), the reply parser's edges, and the texts."""

import pytest

from server.scale import build_scale
from sms import parser
from sms.segments import GSM7, UCS2, measure
from sms.templates import KEYS, TemplateError, Texts


@pytest.mark.parametrize("text, encoding, segments", [
    ("a" * 160, GSM7, 1), ("a" * 161, GSM7, 2), ("a" * 306, GSM7, 2), ("a" * 307, GSM7, 3),
    ("€" * 80, GSM7, 1), ("€" * 81, GSM7, 2),           # extension characters take two septets
    ("a" * 152 + "[" + "a" * 10, GSM7, 2),               # 164 septets: two parts, "[" whole in the second
    ("a" * 152 + "{", GSM7, 1),
    ("é" * 160, GSM7, 1),                                  # é is in the GSM-7 alphabet
    ("ả" * 70, UCS2, 1), ("ả" * 71, UCS2, 2), ("ả" * 134, UCS2, 2), ("ả" * 135, UCS2, 3),
    ("a" * 69 + "ư", UCS2, 1),                             # one Vietnamese letter makes it all UCS-2
    ("😀" * 35, UCS2, 1), ("😀" * 36, UCS2, 2),           # outside the BMP: two units each
])
def test_segments_are_counted_as_carriers_bill_them(text, encoding, segments):
    measured = measure(text)
    assert (measured.encoding, measured.segments) == (encoding, segments)


def test_an_extension_character_is_never_split_across_parts():
    assert measure("a" * 152 + "^" + "a" * 10).segments == 2   # 152 + 2 > 153: "^" opens the second part
    assert measure("a" * 153 + "a" * 152 + "^").segments == 3


SCALE = build_scale(4)


@pytest.mark.parametrize("text, kind", [("STOP", parser.OPT_OUT), ("  stop!! ", parser.OPT_OUT),
                                        ("Start", parser.OPT_IN), ("help", parser.HELP), ("Trợ giúp", parser.HELP),
                                        ("stopp", None), ("please stop", None), ("", None)])
def test_keywords_count_only_as_the_whole_message(text, kind):
    assert parser.keyword(text) == kind


@pytest.mark.parametrize("size, text, score", [(3, "rat hai long", 3), (3, "3", 3), (3, "4", None),
                                               (5, "rat khong hai long", 1), (5, "khong hai long", 2),
                                               (5, "5", 5)])
def test_scores_follow_the_configured_scale(size, text, score):
    assert parser.score(text, build_scale(size)) == score


def test_every_text_renders_in_every_language_and_unaccented_vietnamese_is_gsm7():
    texts = Texts(SCALE)
    office = "Trung tâm Phục vụ hành chính công tỉnh Đắk Nông"
    for key in KEYS:
        assert measure(texts.render(key, "vi-ascii", office=office, code="DN")).encoding == GSM7
        assert measure(texts.render(key, "en", office=office, code="DN")).encoding == GSM7
        assert texts.render(key, "vi", office=office, code="DN").strip()
    invitation = texts.render("invitation", "vi", office=office)
    assert measure(invitation).segments <= 3
    assert measure(texts.render("invitation", "vi-ascii", office=office)).segments == 2


def test_templates_can_be_overridden_and_bad_ones_stop_the_start():
    texts = Texts(SCALE, "vi", {"vi": {"thanks": "Cảm ơn! {office}"}})
    assert texts.render("thanks", office="X") == "Cảm ơn! X"
    with pytest.raises(TemplateError, match="unknown text"):
        Texts(SCALE, "vi", {"vi": {"thank_you": "x"}})
    with pytest.raises(TemplateError, match="placeholder"):
        Texts(SCALE, "vi", {"vi": {"thanks": "{name}"}})
    with pytest.raises(TemplateError, match="SMS_LANGUAGE"):
        Texts(SCALE, "fr")


def test_a_five_level_scale_is_listed_best_first_in_the_menu():
    menu = Texts(build_scale(5)).menu("vi")
    assert menu == ("5 = Rất hài lòng, 4 = Hài lòng, 3 = Bình thường, 2 = Không hài lòng, "
                    "1 = Rất không hài lòng")


def test_every_default_vietnamese_text_addresses_the_citizen_as_ong_ba_never_ban():
    texts = Texts(SCALE)
    for key in KEYS:
        vi = texts.render(key, "vi", office="Huyện Một", code="D")
        assert "bạn" not in vi.lower(), key
        assert "ban " not in texts.render(key, "vi-ascii", office="Huyện Một", code="D").lower(), key
    addressed = [key for key in KEYS if "Ông/Bà" in texts.render(key, "vi")]
    assert set(KEYS) - set(addressed) <= {"unknown_office", "help"}  # these address no one
    assert "Ong/Ba" in texts.render("thanks", "vi-ascii", office="Huyện Một")
