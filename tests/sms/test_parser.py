"""The reply grammar as a table: what a citizen texts, and the score (or None: the re-prompt)
it must be read as, on the 3-, 4- and 5-level scales, in Vietnamese and English."""

import pytest

from server.scale import build_scale
from sms import parser
from sms.text import fold

SCALES = {size: build_scale(size) for size in (3, 4, 5)}
NFD = "ra\u0302\u0301t ha\u0300i lo\u0300ng"  # "rất hài lòng" typed with combining marks

EXAMPLES = [
    # digits, with noise, punctuation and emoji
    (4, "4", 4), (4, "4.", 4), (4, " 4 cam on", 4), (4, "4 cảm ơn ạ", 4), (4, "2!", 2), (4, "１", 1),
    (4, "４", 4), (4, "4️⃣", 4), (4, "👍 4", 4), (4, "4 😊", 4), (4, "😡 1", 1), (4, "(3)", 3), (4, "4/4", 4),
    (4, "4 điểm", 4), (4, "4 sao", 4), (4, "Số 3", 3), (4, "0", None), (4, "5", None), (4, "10", None),
    (4, "44", None), (4, "4 5", None), (4, "1 3", None), (4, "3/5", None), (4, "4a5", None),
    (4, "", None), (4, "👍", None), (4, "ok", None), (4, "cam on", None), (4, "???", None),
    # numbers that are quantities, not scores
    (4, "Không hài lòng, chờ 2 tiếng", 1), (4, "cho 30 phut, hai long", 3), (4, "đi lại 3 lần", None),
    (4, "2h mới xong, rất hài lòng", 4), (4, "Phí 50k", None),
    # a level's words, with and without diacritics, any case, combining marks
    (4, "rat hai long", 4), (4, "rất hài lòng", 4), (4, "RẤT HÀI LÒNG", 4), (4, "Rất hài lòng ạ", 4),
    (4, NFD, 4), (4, "hai long", 3), (4, "Hài lòng", 3), (4, "binh thuong", 2), (4, "Bình thường thôi", 2),
    (4, "khong hai long", 1), (4, "Không hài lòng", 1), (4, "4 rat hai long", 4), (4, "1 không hài lòng", 1),
    # words and a digit that disagree, two different levels
    (4, "3 không hài lòng", None), (4, "1 rat hai long", None), (4, "hài lòng, bình thường", None),
    (4, "Rất hài lòng. Rất hài lòng!", 4),
    # negations, texting forms of "không", words between the negation and the level
    (4, "chưa hài lòng", 1), (4, "chua hai long", 1), (4, "Chưa hài lòng lắm", 1), (4, "khum hài lòng", 1),
    (4, "hem hài lòng", 1), (4, "ko hài lòng", 1), (4, "k hài lòng", 1), (4, "kh hai long", 1),
    (4, "khg hài lòng", 1), (4, "hk hài lòng", 1), (4, "hok hài lòng", 1), (4, "hong hai long", 1),
    (4, "hông hài lòng", 1), (4, "kô hài lòng", 1), (4, "chẳng hài lòng chút nào", 1), (4, "chả hài lòng", 1),
    (4, "đâu có hài lòng", 1), (4, "không được hài lòng lắm", 1), (4, "ko thấy hài lòng", 1),
    (4, "chưa thật sự hài lòng", 1), (4, "không rất hài lòng", 1), (4, "không bình thường", 1),
    (4, "Không có gì, rất hài lòng", 4), (4, "Không phải chờ lâu, hài lòng", 3),
    (4, "ko phai cho hai long", None), (4, "Không. Rất hài lòng", None), (4, "không 4", None),
    (4, "không không hài lòng", None), (4, "hài lòng, không có gì phàn nàn", 3),
    (4, "Không", None), (4, "Có hài lòng", 3),
    # English
    (4, "very satisfied", 4), (4, "Satisfied", 3), (4, "neutral", 2), (4, "dissatisfied", 1),
    (4, "not satisfied", 1), (4, "Not very satisfied", 1), (4, "I'm not satisfied", 1),
    (4, "I wasn't satisfied at all", 1), (4, "never satisfied", 1), (4, "unsatisfied", 1),
    (4, "not dissatisfied", None), (4, "Satisfied? No.", None), (4, "No problem, very satisfied", 4),
    (4, "satisfied but not very satisfied", None), (4, "4 very satisfied", 4),
    # the 3-level scale
    (3, "3", 3), (3, "4", None), (3, "rat hai long", 3), (3, "hài lòng", 2), (3, "chưa hài lòng", 1),
    (3, "not satisfied", 1), (3, "binh thuong", None), (3, "3/3", 3),
    # the 5-level scale: two dissatisfied levels; a negation reads as the milder one
    (5, "5", 5), (5, "rat khong hai long", 1), (5, "Rất không hài lòng", 1), (5, "khong hai long", 2),
    (5, "chưa hài lòng", 2), (5, "not very satisfied", 2), (5, "very dissatisfied", 1), (5, "bình thường", 3),
    (5, "khum hài lòng", 2), (5, "not very dissatisfied", None), (5, "4/5", 4),
]


def test_the_table_has_the_rows_the_issue_asks_for():
    assert len(EXAMPLES) >= 80
    assert {size for size, _, _ in EXAMPLES} == {3, 4, 5}


@pytest.mark.parametrize("size, text, expected", EXAMPLES, ids=[f"{s}-{t!r}" for s, t, _ in EXAMPLES])
def test_a_reply_is_read_as_a_person_would(size, text, expected):
    assert parser.score(text, SCALES[size]) == expected


@pytest.mark.parametrize("text, score_only", [("3", True), ("Hài lòng ạ", True), ("4 cảm ơn", True),
                                              ("Rất hài lòng, cán bộ nhiệt tình", False),
                                              ("Cán bộ hướng dẫn kỹ", False), ("ok", False)])
def test_a_score_alone_is_told_apart_from_a_comment(text, score_only):
    assert parser.score_only(text, SCALES[4]) is score_only


KEYWORDS = [
    ("STOP", parser.OPT_OUT), ("stop!", parser.OPT_OUT), ("TC", parser.OPT_OUT), ("tc", parser.OPT_OUT),
    ("T.C", None), ("HUY", parser.OPT_OUT), ("Hủy", parser.OPT_OUT), ("huỷ", parser.OPT_OUT),
    ("HỦY.", parser.OPT_OUT), ("Húy", None), ("Dừng", parser.OPT_OUT), ("dừng lại", parser.OPT_OUT),
    ("DUNG LAI", parser.OPT_OUT), ("dừng lai", parser.OPT_OUT), ("Từ chối", parser.OPT_OUT),
    ("Đúng", None), ("đúng", None), ("ĐÚNG!", None), ("Dùng", None), ("Dũng", None), ("đúng rồi", None),
    ("DUNG", parser.CONFIRM_STOP), ("dung", parser.CONFIRM_STOP), ("Dung.", parser.CONFIRM_STOP),
    ("START", parser.OPT_IN), ("yes", parser.OPT_IN), ("UNSTOP", parser.OPT_IN), ("BAT DAU", parser.OPT_IN),
    ("Bắt đầu", parser.OPT_IN), ("DK", parser.OPT_IN), ("ĐK", parser.OPT_IN), ("đăng ký", parser.OPT_IN),
    ("Bắt đâu", None), ("help", parser.HELP), ("Trợ giúp", parser.HELP), ("Stop by tomorrow", None),
]


@pytest.mark.parametrize("text, kind", KEYWORDS)
def test_keywords_keep_the_diacritics_a_citizen_typed(text, kind):
    assert parser.keyword(text) == kind


@pytest.mark.parametrize("text", ["Liked “Ông/Bà có hài lòng không?”", "Loved \"Cảm ơn!\"",
                                  "Laughed at “4 = Rất hài lòng”", "Reacted 👍 to “Cảm ơn Ông/Bà”",
                                  "Đã thích “Cảm ơn Ông/Bà đã đánh giá”", "Đã yêu thích “…”",
                                  "Removed a like from “Cảm ơn”", "Emphasized “1 Chờ lâu”"])
def test_reactions_are_recognised(text):
    assert parser.is_reaction(text)


@pytest.mark.parametrize("text", ["Liked it, 4", "Đã thích cán bộ", "4", "“4”", "Rất thích “dịch vụ” ở đây"])
def test_ordinary_messages_are_not_reactions(text):
    assert not parser.is_reaction(text)


@pytest.mark.parametrize("text, found", [("GN4", ("GN", "4")), ("gn4", ("GN", "4")), ("GN 4", ("GN", "4")),
                                         ("DM-DL1", ("DM-DL", "1")), ("DM-DL-1", ("DM-DL", "1")),
                                         ("GN4.", ("GN", "4")), ("4", None), ("44", None)])
def test_an_office_code_and_its_digit_are_read_with_or_without_a_space(text, found):
    assert parser.office_rating(text) == found


@pytest.mark.parametrize("size, text, expected", [(4, "4sao", 4), (3, "4sao", None), (3, "4d", None),
                                                  (4, "2tieng", None)])
def test_a_digit_glued_to_a_word_is_read_only_when_the_word_is_a_score_word(size, text, expected):
    assert parser.score(text, SCALES[size]) == expected


def test_every_keyword_counts_as_written_without_diacritics_in_capitals_or_mixed_word_by_word():
    for kind, keywords in parser.KEYWORDS.items():
        for written in keywords:
            folded = fold(written)
            mixed = " ".join(word if i % 2 else fold(word) for i, word in enumerate(written.split()))
            for typed in (written, folded, written.upper(), f"  {folded.upper()}!", mixed):
                # "dung" alone could be dừng, đúng or dùng: asked about, never an opt-out on a guess
                expected = parser.AMBIGUOUS_KEYWORDS.get(typed.strip(" !").lower(), kind)
                assert parser.keyword(typed) == expected, typed
