"""The texts the SMS channel sends, per language, and how they are filled in (pure).

Built in: Vietnamese ("vi", the default), English ("en") and unaccented Vietnamese
("vi-ascii"): the Vietnamese texts with diacritics dropped after filling in, office names
and labels included, so every message stays in GSM-7 (160 characters a segment instead of
70). The SMS_TEMPLATES setting overrides any text: {"vi": {"thanks": "..."}}.

Placeholders: {office} office name, {code} office code, {menu} the scale's digits with their
labels, best first, {reasons} the reason menu; in office_merged and office_closed also
{old_office} and {old_code} (the office the citizen named) and {day} (the change's date).
"""

import string

from sms.text import strip_diacritics

LANGUAGES = ("vi", "en", "vi-ascii")

BUILT_IN = {
    "vi": {
        "invitation": "{office} cảm ơn Ông/Bà. Ông/Bà có hài lòng không? Trả lời {menu}. Nhắn TC để từ chối.",
        "reprompt": "Xin lỗi, chưa hiểu trả lời của Ông/Bà. Vui lòng trả lời một số: {menu}.",
        "give_up": "Cảm ơn Ông/Bà. Chúng tôi chưa ghi nhận được đánh giá lần này. Chúc Ông/Bà một ngày tốt lành.",
        "followup": "Rất tiếc Ông/Bà chưa hài lòng. Vì sao? Trả lời số: {reasons}; hoặc nhắn góp ý ngắn.",
        "thanks": "Cảm ơn Ông/Bà đã đánh giá {office}!",
        "thanks_followup": "Cảm ơn góp ý của Ông/Bà. Ý kiến đã được ghi nhận.",
        "comment_added": "Đã ghi thêm góp ý của Ông/Bà. Cảm ơn Ông/Bà!",
        "comment_full": "Cảm ơn Ông/Bà. Góp ý chỉ lưu được 500 ký tự; phần sau không được lưu.",
        "already_rated": "Đánh giá của Ông/Bà đã được ghi nhận. Cảm ơn Ông/Bà!",
        "expired": "Đã hết hạn đánh giá lần phục vụ này. Ông/Bà có thể nhắn mã cơ quan và điểm, ví dụ: {code} 4",
        "unknown_office": "Không có mã cơ quan {code}. Vui lòng nhắn mã ghi tại quầy và điểm, ví dụ: ABC 4",
        "help": "Khảo sát hài lòng: trả lời tin mời bằng một số, hoặc nhắn mã cơ quan ghi tại quầy và điểm "
                "(ví dụ: ABC 4). Nhắn TC để ngừng nhận tin.",
        "confirm_stop": "Ông/Bà muốn ngừng nhận tin nhắn? Trả lời TC để xác nhận",
        "opted_out": "Ông/Bà đã ngừng nhận tin khảo sát. Nhắn BAT DAU hoặc START để nhận lại.",
        "opted_in": "Ông/Bà sẽ nhận lại tin khảo sát. Nhắn TC để ngừng.",
        "answer_thanks": "Cảm ơn Ông/Bà đã cho biết. Ý kiến đã được ghi nhận.",
        "answer_reprompt": "Xin lỗi, chưa hiểu trả lời của Ông/Bà. Vui lòng nhắn 1 hoặc 2.",
        "contact_question": "Ông/Bà có muốn cơ quan liên hệ lại qua số này không? Trả lời 1 = Có, 2 = Không.",
        "contact_yes": "Cảm ơn Ông/Bà. Cơ quan sẽ trả lời Ông/Bà qua số này.",
        "contact_no": "Cảm ơn Ông/Bà. Cơ quan sẽ không liên hệ lại; số của Ông/Bà không được lưu cho việc này.",
        "office_merged": "{old_office} ({old_code}) đã hợp nhất vào {office} từ {day}; đánh giá được ghi cho "
                         "{office}. Lần sau Ông/Bà vui lòng nhắn mã {code}.",
        "office_closed": "{old_office} ({old_code}) đã ngừng hoạt động từ {day}; đánh giá vẫn được ghi nhận. "
                         "Lần sau Ông/Bà vui lòng nhắn mã ghi tại quầy hiện nay.",
    },
    "en": {
        "invitation": "Thank you for visiting {office}. How satisfied are you? Reply {menu}. Text STOP to opt out.",
        "reprompt": "Sorry, we could not read your reply. Please reply with one number: {menu}.",
        "give_up": "Thank you. We could not record a rating this time. Have a good day.",
        "followup": "We are sorry. What went wrong? Reply with numbers: {reasons}; or a short comment.",
        "thanks": "Thank you for rating {office}!",
        "thanks_followup": "Thank you for your comment. It has been recorded.",
        "comment_added": "Your comment was added. Thank you!",
        "comment_full": "Thank you. A comment holds 500 characters; the rest was not kept.",
        "already_rated": "Your rating has been recorded. Thank you!",
        "expired": "The time to rate this visit has passed. You can text an office code and a score, e.g. {code} 4",
        "unknown_office": "There is no office with code {code}. Text the code shown at the counter and a score, "
                          "e.g. ABC 4",
        "help": "Satisfaction survey: reply to an invitation with one number, or text the office code shown at "
                "the counter and a score (e.g. ABC 4). Text STOP to opt out.",
        "confirm_stop": "Do you want to stop getting survey texts? Reply STOP to confirm.",
        "opted_out": "You will get no more survey texts. Text START to opt back in.",
        "opted_in": "You will get survey texts again. Text STOP to opt out.",
        "answer_thanks": "Thank you for letting us know. Your answer has been recorded.",
        "answer_reprompt": "Sorry, we could not read your reply. Please text 1 or 2.",
        "contact_question": "Would you like the office to contact you at this number? Reply 1 = Yes, 2 = No.",
        "contact_yes": "Thank you. The office will answer you at this number.",
        "contact_no": "Thank you. The office will not contact you; your number is not kept for this.",
        "office_merged": "{old_office} ({old_code}) was merged into {office} on {day}; your rating counts for "
                         "{office}. Next time please text code {code}.",
        "office_closed": "{old_office} ({old_code}) closed on {day}; your rating was still recorded. Next time "
                         "please text the code shown at the counter today.",
    },
}
KEYS = tuple(BUILT_IN["vi"])


class TemplateError(ValueError):
    """The SMS_LANGUAGE or SMS_TEMPLATES setting is not usable."""


class Texts:
    """Renders the channel's messages in one of the languages, with the scale's labels."""

    def __init__(self, scale, default_language="vi", overrides=None):
        if default_language not in LANGUAGES:
            raise TemplateError(f"SMS_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {default_language!r}")
        self.scale = scale
        self.default_language = default_language
        self.templates = {language: dict(BUILT_IN.get(language, BUILT_IN["vi"])) for language in LANGUAGES}
        self.explicit = {language: set() for language in LANGUAGES}
        for language, texts in (overrides or {}).items():
            if language not in LANGUAGES or not isinstance(texts, dict):
                raise TemplateError(f"SMS_TEMPLATES: {language!r} is not one of {', '.join(LANGUAGES)}")
            for key, text in texts.items():
                self._check(language, key, text)
                self.templates[language][key] = text
                self.explicit[language].add(key)
        # the scale's menus as each language's texts fill them in, built once
        self.menus = {language: {"menu": self.menu(language), "reasons": self.reason_menu(language)}
                      for language in LANGUAGES}

    @staticmethod
    def _check(language, key, text):
        if key not in KEYS:
            raise TemplateError(f"SMS_TEMPLATES[{language}]: unknown text {key!r}; known: {', '.join(KEYS)}")
        if not isinstance(text, str) or not text.strip():
            raise TemplateError(f"SMS_TEMPLATES[{language}][{key}] must be non-empty text")
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        unknown = names - {"office", "code", "menu", "reasons", "old_office", "old_code", "day"}
        if unknown:
            raise TemplateError(f"SMS_TEMPLATES[{language}][{key}]: unknown placeholder {{{sorted(unknown)[0]}}}")

    def language(self, requested=None):
        return requested if requested in LANGUAGES else self.default_language

    def menu(self, language):
        label_language = "en" if language == "en" else "vi"
        return ", ".join(f"{level.score} = {level.labels.get(label_language, level.labels['vi'])}"
                         for level in reversed(self.scale.levels))

    def reason_menu(self, language):
        label_language = "en" if language == "en" else "vi"
        return ", ".join(f"{number} {short_reason(reason, label_language)}"
                         for number, reason in enumerate(self.scale.reasons, start=1))

    def render(self, key, language=None, office="", code="", **more):
        """The text `key` filled in; unaccented Vietnamese is folded after filling in."""
        language = self.language(language)
        source = language
        if language == "vi-ascii" and key not in self.explicit["vi-ascii"]:
            source = "vi"
        more = {"old_office": "", "old_code": "", "day": "", **more}
        if language == "en":
            office = strip_diacritics(office or "")  # keeps an English text in GSM-7
            more["old_office"] = strip_diacritics(more["old_office"] or "")
        values = {"office": office or "", "code": code or "", **self.menus[source], **more}
        text = self.templates[source][key].format_map(values)
        return strip_diacritics(text) if language == "vi-ascii" else text


# Short labels for the default reasons: the survey's own wording is too long for an SMS menu.
SHORT_REASONS = {
    "waiting_time": {"vi": "Chờ lâu", "en": "Long wait"},
    "staff_attitude": {"vi": "Thái độ", "en": "Attitude"},
    "staff_competence": {"vi": "Hướng dẫn", "en": "Guidance"},
    "unclear_procedure": {"vi": "Thủ tục", "en": "Procedure"},
    "repeat_visits": {"vi": "Đi lại nhiều", "en": "Repeat visits"},
    "late_result": {"vi": "Trễ hẹn", "en": "Late result"},
    "fees": {"vi": "Phí", "en": "Fees"},
    "facilities": {"vi": "Cơ sở vật chất", "en": "Facilities"},
}


def short_reason(reason, language):
    short = SHORT_REASONS.get(reason.code, {}).get(language)
    return short or reason.labels.get(language) or reason.labels["vi"]
