"""The SMS dialogue as a pure function, driven by tables of messages."""

import dataclasses
import datetime as dt
import zoneinfo

import pytest

from server.ratings import MAX_COMMENT as RATINGS_MAX_COMMENT
from server.scale import build_scale
from sms import dialogue
from sms.dialogue import (
    AWAITING_FOLLOWUP,
    AWAITING_SCORE,
    CLOSED,
    IDLE,
    AppendComment,
    AttachFollowup,
    Conversation,
    Dialogue,
    Office,
    OptIn,
    OptOut,
    StoreRating,
)
from sms.templates import Texts

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 3, 5, 3, 0, tzinfo=dt.UTC)
SCALE = build_scale(4)
TEXTS = Texts(SCALE)
OFFICES = {"GN": Office(1, "GN", "Bộ phận Một cửa Gia Nghĩa"), "DM-DL": Office(2, "DM-DL", "UBND xã Đức Lập")}
RULES = Dialogue(SCALE, TEXTS, OFFICES, TZ)


def invited(**changes):
    state = dialogue.invitation_sent(Conversation("hash-1"), {"id": 7, "service": "1.001", "reference": "HS-1"},
                                     OFFICES["GN"], NOW - dt.timedelta(hours=1), dt.timedelta(hours=72))
    return dataclasses.replace(state, **changes)


def talk(messages, state=None, now=NOW):
    """Run messages through the dialogue; the (state, reply, effects) after each."""
    state = state or invited()
    steps = []
    for message in messages:
        state, reply, effects = RULES.step(state, message, now)
        steps.append((state, reply, effects))
    return steps


OPT_OUT_MESSAGES = ["STOP", "stop", "Stop", " STOP ", "STOP.", "UNSUBSCRIBE", "end", "Quit", "STOPALL", "revoke",
                    "OPTOUT", "cancel", "HUY", "huy", "Huy", "HỦY", "hủy", "Hủy", "TU CHOI", "tu choi", "Từ chối",
                    "TỪ CHỐI", "tu  choi", "Dừng", "DỪNG", "dừng!", "Dừng lại", "DUNG LAI", "TC", "tc"]


@pytest.mark.parametrize("message", OPT_OUT_MESSAGES)
def test_every_opt_out_word_as_the_whole_message_opts_out_and_confirms(message):
    [(state, reply, effects)] = talk([message])
    assert state.opted_out and state.stage == IDLE
    assert effects == (OptOut(invitation_id=7),)
    assert reply == TEXTS.render("opted_out")


@pytest.mark.parametrize("message", ["Stop by tomorrow please", "stop it 4", "Stop. Thank you", "huy hoai", "dung roi",
                                     "Không dừng", "4 stop"])
def test_opt_out_words_inside_a_longer_message_are_not_an_opt_out(message):
    [(state, _, effects)] = talk([message])
    assert not state.opted_out
    assert not any(isinstance(effect, OptOut) for effect in effects)


def test_an_opt_out_is_confirmed_once_and_later_messages_get_no_reply():
    steps = talk(["STOP", "STOP", "huy", "4", "xin chao"])
    assert steps[0][1] is not None
    assert [reply for _, reply, _ in steps[1:]] == [None, None, None, None]
    assert [effects for _, _, effects in steps[1:]] == [(), (), (), ()]


def test_start_opts_back_in_and_says_so():
    (_, _, _), (state, reply, effects) = talk(["STOP", "start"])
    assert not state.opted_out
    assert effects == (OptIn(),)
    assert reply == TEXTS.render("opted_in")


def test_help_explains_and_keeps_the_conversation_waiting():
    [(state, reply, effects)] = talk(["HELP"])
    assert reply == TEXTS.render("help") and "TC" in reply
    assert state == invited() and effects == ()


@pytest.mark.parametrize("message, score", [
    ("4", 4), ("4.", 4), (" 4 cam on", 4), ("4 cảm ơn", 4), ("3", 3), ("2!", 2), ("1", 1), ("４", 4),
    ("rat hai long", 4), ("rất hài lòng", 4), ("RẤT HÀI LÒNG", 4), ("Rất hài lòng ạ", 4), ("hai long", 3),
    ("Hài lòng", 3), ("binh thuong", 2), ("Bình thường", 2), ("khong hai long", 1), ("Không hài lòng", 1),
    ("ko hai long", 1), ("k hài lòng", 1), ("very satisfied", 4), ("4 rat hai long", 4), ("GN 4", 4),
])
def test_noisy_replies_are_read_as_the_score_they_mean(message, score):
    [(state, _, effects)] = talk([message])
    [stored] = [effect for effect in effects if isinstance(effect, StoreRating)]
    assert stored.score == score
    assert stored.office_id == 1 and stored.invitation_id == 7
    assert stored.service == "1.001" and stored.reference == "HS-1"
    assert stored.client_id == dialogue.invitation_rating_id(7)


@pytest.mark.parametrize("message", ["5", "0", "10", "4 5", "ok", "1 rat hai long", "cam on", "Stop. Thank you",
                                     "Đúng", "chưa hài lòng lắm 4", "YES"])
def test_a_reply_that_cannot_be_read_gets_the_menu_again(message):
    [(state, reply, effects)] = talk([message])
    assert effects == () and state.stage == AWAITING_SCORE and state.attempts == 1
    assert reply == TEXTS.render("reprompt")
    assert "4 = Rất hài lòng, 3 = Hài lòng, 2 = Bình thường, 1 = Không hài lòng" in reply


def test_the_menu_is_repeated_at_most_twice_then_the_conversation_ends_politely():
    steps = talk(["what?", "??", "hmm", "4"])
    assert [reply for _, reply, _ in steps[:3]] == [TEXTS.render("reprompt")] * 2 + [TEXTS.render("give_up")]
    assert steps[2][0].stage == IDLE
    # the conversation is over: a late digit is not a rating for the invitation
    assert steps[3][2] == () and steps[3][1] == TEXTS.render("help")


def test_a_readable_answer_after_one_reprompt_still_counts():
    steps = talk(["??", "3"])
    assert [type(e) for e in steps[1][2]] == [StoreRating]
    assert steps[1][1] == TEXTS.render("thanks", office=OFFICES["GN"].name)


def test_a_satisfied_rating_gets_a_thank_you_naming_the_office_and_no_question():
    [(state, reply, _)] = talk(["4"])
    assert state.stage == CLOSED
    assert reply == "Cảm ơn Ông/Bà đã đánh giá Bộ phận Một cửa Gia Nghĩa!"


@pytest.mark.parametrize("answer, reasons, comment", [
    ("1", ("waiting_time",), None),
    ("1 3", ("waiting_time", "staff_competence"), None),
    ("1,2", ("waiting_time", "staff_attitude"), None),
    ("26", ("staff_attitude", "late_result"), None),
    ("1 chờ 2 tiếng", ("waiting_time",), "chờ 2 tiếng"),
    ("Nhân viên không hướng dẫn", (), "Nhân viên không hướng dẫn"),
    ("9", (), "9"),
    ("Stop by tomorrow please", (), "Stop by tomorrow please"),
    # typed without diacritics, with a number in it: a comment, not "<OFFICE CODE> <score>"
    ("Toi khong hai long vi cho lau", (), "Toi khong hai long vi cho lau"),
    ("Can bo lam viec cham, cho 2 tieng", (), "Can bo lam viec cham, cho 2 tieng"),
])
def test_a_dissatisfied_rating_gets_one_follow_up_stored_on_the_same_rating(answer, reasons, comment):
    (state, reply, effects), (after, thanks, follow) = talk(["1", answer])
    assert state.stage == AWAITING_FOLLOWUP and reply == TEXTS.render("followup")
    assert "1 Chờ lâu" in reply and "8 Cơ sở vật chất" in reply
    assert follow == (AttachFollowup(dialogue.invitation_rating_id(7), reasons, comment),)
    assert after.stage == CLOSED and thanks == TEXTS.render("thanks_followup")


def test_the_follow_up_comment_is_cut_to_what_a_rating_holds_and_the_citizen_is_told():
    assert dialogue.MAX_COMMENT == RATINGS_MAX_COMMENT
    _, (_, reply, [follow]) = talk(["1", "x" * 900])
    assert len(follow.comment) == RATINGS_MAX_COMMENT
    assert reply == TEXTS.render("comment_full") and "không được lưu" in reply


def test_after_the_thank_you_a_second_answer_is_not_counted_again():
    steps = talk(["4", "3"])
    assert steps[1][2] == () and steps[1][1] == TEXTS.render("already_rated")


def test_a_reply_after_the_window_closed_is_not_a_rating_and_says_how_to_rate():
    late = NOW + dt.timedelta(hours=72)
    [(state, reply, effects)] = talk(["4"], now=late)
    assert effects == () and state.stage == IDLE
    assert reply == TEXTS.render("expired", code="GN") and "GN 4" in reply


def test_a_follow_up_after_a_day_is_not_attached():
    (state, _, _), = talk(["1"])
    [(_, reply, effects)] = talk(["1"], state=state, now=NOW + dialogue.FOLLOWUP_WINDOW)
    assert effects == () and reply == TEXTS.render("help")


@pytest.mark.parametrize("message, office, score", [("GN 4", 1, 4), ("gn 3", 1, 3), ("DM-DL 1", 2, 1),
                                                     ("dm-dl rat hai long", 2, 4), ("GN: 2.", 1, 2)])
def test_an_unprompted_office_code_and_score_is_a_rating_for_that_office(message, office, score):
    [(state, reply, effects)] = talk([message], state=Conversation("hash-2"))
    [stored] = effects
    assert (stored.office_id, stored.score, stored.invitation_id) == (office, score, None)
    assert stored.client_id == dialogue.unprompted_rating_id("hash-2", office, "2026-03-05")
    assert reply in (TEXTS.render("thanks", office=OFFICES["GN"].name),
                     TEXTS.render("thanks", office=OFFICES["DM-DL"].name), TEXTS.render("followup"))


def test_the_same_number_rating_the_same_office_twice_a_day_is_one_rating():
    first = talk(["GN 4"], state=Conversation("hash-2"))[0][2][0]
    later = talk(["GN 2"], state=Conversation("hash-2"), now=NOW + dt.timedelta(hours=5))[0][2][0]
    next_day = talk(["GN 2"], state=Conversation("hash-2"), now=NOW + dt.timedelta(days=1))[0][2][0]
    assert first.client_id == later.client_id != next_day.client_id


def test_an_unknown_office_code_is_answered_and_stores_nothing():
    [(state, reply, effects)] = talk(["XYZ 4"], state=Conversation("hash-2"))
    assert effects == () and reply == TEXTS.render("unknown_office", code="XYZ")


def test_another_office_code_during_a_conversation_rates_that_office():
    [(state, _, [stored])] = talk(["DM-DL 2"])
    assert stored.office_id == 2 and stored.invitation_id is None


def test_an_unprompted_dissatisfied_rating_gets_the_follow_up_too():
    (_, reply, _), (_, _, [follow]) = talk(["GN 1", "2"], state=Conversation("hash-2"))
    assert reply == TEXTS.render("followup")
    assert follow.reasons == ("staff_attitude",)


def test_an_opted_out_number_can_still_rate_an_office_but_gets_no_text():
    [(state, reply, [stored])] = talk(["GN 4"], state=Conversation("hash-3", opted_out=True))
    assert reply is None and stored.score == 4 and state.opted_out


def test_a_message_out_of_the_blue_gets_the_help_text():
    [(state, reply, effects)] = talk(["xin chao"], state=Conversation("hash-4"))
    assert reply == TEXTS.render("help") and effects == () and state.stage == IDLE


def test_english_invitations_get_english_replies():
    steps = talk(["??", "1"], state=invited(language="en"))
    assert steps[0][1].startswith("Sorry") and "4 = Very satisfied" in steps[0][1]
    assert steps[1][1].startswith("We are sorry") and "1 Long wait" in steps[1][1]


def test_the_state_survives_its_json_form():
    state = talk(["1"])[0][0]
    assert Conversation.from_json(state.to_json()) == state


# --- issue 10: as Vietnamese citizens write -------------------------------------------------

@pytest.mark.parametrize("message, score", [("chưa hài lòng", 1), ("khum hài lòng", 1), ("hem hài lòng", 1),
                                            ("chẳng hài lòng chút nào", 1), ("không được hài lòng lắm", 1),
                                            ("GN4", 4), ("gn3", 3)])
def test_negations_and_glued_codes_are_read_as_meant(message, score):
    [(_, _, effects)] = talk([message])
    assert [e.score for e in effects if isinstance(e, StoreRating)] == [score]


@pytest.mark.parametrize("message, score", [("not satisfied", 1), ("Not very satisfied", 1)])
def test_english_negations_are_dissatisfied(message, score):
    [(_, _, [stored])] = talk([message], state=invited(language="en"))
    assert stored.score == score


def test_dung_right_is_an_ordinary_answer_and_bare_dung_asks_before_opting_out():
    [(state, reply, effects)] = talk(["Đúng"])
    assert not state.opted_out and effects == () and reply == TEXTS.render("reprompt")
    (asked, question, none), (stopped, confirmed, opt_out) = talk(["DUNG", "TC"])
    assert question == "Ông/Bà muốn ngừng nhận tin nhắn? Trả lời TC để xác nhận"
    assert not asked.opted_out and none == () and asked.attempts == 0
    assert stopped.opted_out and opt_out == (OptOut(invitation_id=7),) and confirmed == TEXTS.render("opted_out")


def test_dung_without_the_confirmation_leaves_the_invitation_answerable():
    (_, _, _), (_, _, [stored]) = talk(["dung", "4"])
    assert stored.score == 4


@pytest.mark.parametrize("word", ["START", "yes", "UNSTOP", "BAT DAU", "Bắt đầu", "BẮT ĐẦU", "DK", "ĐK", "đăng ký"])
def test_every_opt_in_word_opts_a_number_back_in(word):
    (_, stopped, _), (state, reply, effects) = talk(["HỦY", word])
    assert "BAT DAU" in stopped and "START" in stopped  # the opt-out confirmation says how
    assert not state.opted_out and effects == (OptIn(),) and reply == TEXTS.render("opted_in")


def test_every_further_message_in_the_window_is_added_to_the_comment():
    steps = talk(["1", "1 3", "Cán bộ bảo quay lại tuần sau", "5", "Phòng chờ nóng"])
    followup, more, reason, last = (effects for _, _, effects in steps[1:])
    assert followup == (AttachFollowup(dialogue.invitation_rating_id(7), ("waiting_time", "staff_competence"), None),)
    assert more == (AppendComment(dialogue.invitation_rating_id(7), "Cán bộ bảo quay lại tuần sau"),)
    assert reason == (AttachFollowup(dialogue.invitation_rating_id(7),
                                     ("waiting_time", "staff_competence", "repeat_visits"), None),)
    assert last == (AppendComment(dialogue.invitation_rating_id(7), "Phòng chờ nóng"),)
    assert [reply for _, reply, _ in steps[2:]] == [TEXTS.render("comment_added")] * 3


def test_a_satisfied_citizen_can_add_a_comment_but_not_a_second_score():
    steps = talk(["4", "3", "Cán bộ rất nhiệt tình", "Hài lòng ạ"])
    assert steps[1][2] == () and steps[1][1] == TEXTS.render("already_rated")
    assert steps[2][2] == (AppendComment(dialogue.invitation_rating_id(7), "Cán bộ rất nhiệt tình"),)
    assert steps[3][2] == () and steps[3][1] == TEXTS.render("already_rated")


def test_the_comment_stops_at_500_characters_and_the_citizen_is_told_what_was_not_kept():
    steps = talk(["1", "a" * 300, "b" * 150, "c" * 100, "d"])
    pieces = [e.text for _, _, effects in steps[2:] for e in effects if isinstance(e, AppendComment)]
    assert pieces == ["b" * 150, "c" * 48]  # 300 + line break + 150 + line break + 48 = 500
    assert [reply for _, reply, _ in steps[2:]] == [TEXTS.render("comment_added")] + [TEXTS.render("comment_full")] * 2


def test_after_the_follow_up_window_messages_are_not_attached():
    (state, _, _), = talk(["4"])
    [(_, reply, effects)] = talk(["Cán bộ tốt"], state=state, now=NOW + dialogue.FOLLOWUP_WINDOW)
    assert effects == () and reply == TEXTS.render("help")


@pytest.mark.parametrize("message", ["", "   "])
def test_an_empty_or_picture_only_message_gets_the_menu_without_using_a_turn(message):
    steps = talk([message, message, message, "??", "??", "4"])
    assert [reply for _, reply, _ in steps[:3]] == [TEXTS.render("reprompt")] * 3
    assert all(state.attempts == 0 for state, _, _ in steps[:3])
    assert [type(e) for e in steps[5][2]] == [StoreRating]
    (_, _, _), (waiting, again, none) = talk(["1", message])
    assert waiting.stage == AWAITING_FOLLOWUP and again == TEXTS.render("followup") and none == ()


@pytest.mark.parametrize("message", ["Liked “Ông/Bà có hài lòng không?”", "Đã thích “Cảm ơn Ông/Bà”",
                                     "Loved \"Cảm ơn\"", "Reacted 👍 to “Cảm ơn”"])
def test_reactions_are_ignored_and_never_stored_as_comments(message):
    [(state, reply, effects)] = talk([message])
    assert (state, reply, effects) == (invited(), None, ())
    (_, _, _), (after, reply, effects) = talk(["1", message])
    assert after.stage == AWAITING_FOLLOWUP and reply is None and effects == ()


def test_the_own_office_code_after_the_rating_does_not_rate_the_visit_twice():
    (_, _, _), (_, reply, effects) = talk(["4", "GN 2"])
    assert effects == () and reply == TEXTS.render("already_rated")


def test_a_state_with_reasons_and_a_comment_survives_its_json_form():
    state = talk(["1", "1 chờ lâu"])[1][0]
    assert state.reasons == ("waiting_time",) and state.comment_length == len("chờ lâu")
    assert Conversation.from_json(state.to_json()) == state
