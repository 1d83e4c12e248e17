"""Reading citizens' replies (pure): keywords, a score, follow-up reasons, `<OFFICE CODE> <score>`.

Keywords count only as the whole message (surrounding spaces and punctuation aside), so
"Stop by tomorrow please" is not an opt-out. A score is a single digit on the scale or a
level's words, with or without diacritics, among noise ("4.", " 4 cam on", "rat hai long").
"""

import re

from sms.text import fold, words

OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"

KEYWORDS = {
    # Twilio's standard opt-out words, and the Vietnamese ones (hủy, từ chối, dừng).
    OPT_OUT: {"stop", "unsubscribe", "end", "quit", "stopall", "revoke", "optout", "cancel",
              "huy", "tu choi", "tuchoi", "dung"},
    OPT_IN: {"start", "unstop"},
    HELP: {"help", "info", "tro giup", "huong dan"},
}
_EDGE_PUNCTUATION = " .,!?;:-_'\"()"
_SEPARATORS = re.compile(r"^[\s,;.+/&-]*$")


def keyword(text):
    """OPT_OUT, OPT_IN or HELP when the whole message is such a keyword, else None."""
    folded = fold(text).strip(_EDGE_PUNCTUATION)
    folded = " ".join(folded.split())
    for kind, keywords in KEYWORDS.items():
        if folded in keywords:
            return kind
    return None


_PHRASES = {}


def level_phrases(scale):
    """{folded words of a level's label: score}, for every language the scale names."""
    cached = _PHRASES.get(id(scale))
    if cached is not None and cached[0] is scale:
        return cached[1]
    phrases = {}
    for level in scale.levels:
        for label in level.labels.values():
            phrases[tuple(words(label))] = level.score
    _PHRASES[id(scale)] = (scale, phrases)  # a deployment has one scale: computed once
    return phrases


def _phrase_score(tokens, phrases):
    """The score of the longest level label found as whole words in `tokens`, or None."""
    best = None
    for phrase, score in phrases.items():
        size = len(phrase)
        if size and any(tuple(tokens[i:i + size]) == phrase for i in range(len(tokens) - size + 1)):
            if best is None or size > best[0]:
                best = (size, score)
    return best and best[1]


def score(text, scale):
    """The score a reply gives, or None when it cannot be read unambiguously."""
    digits = re.findall(r"\d+", fold(text))
    by_digit = None
    if digits:
        if len(digits) != 1 or int(digits[0]) not in scale.scores or len(digits[0]) != 1:
            return None
        by_digit = int(digits[0])
    by_words = _phrase_score(words(text), level_phrases(scale))
    if by_digit is not None and by_words is not None and by_digit != by_words:
        return None
    return by_digit if by_digit is not None else by_words


def followup(text, scale, max_comment):
    """(reason codes, comment) from an answer to the reason menu.

    Leading numbers pick reasons from the menu ("1 3", "1,3", "13" with fewer than ten
    reasons); what follows them is a comment ("1 cho qua lau"). Numbers that are not on the
    menu make the whole answer a comment.
    """
    text = (text or "").strip()
    match = re.match(r"^[\d\s,;.+/&-]+", text)
    codes = [reason.code for reason in scale.reasons]
    chosen = []
    if match and re.search(r"\d", match.group()):
        numbers = re.findall(r"\d+", match.group())
        if len(codes) < 10:
            numbers = [digit for number in numbers for digit in number]
        if all(1 <= int(n) <= len(codes) for n in numbers):
            chosen = list(dict.fromkeys(codes[int(n) - 1] for n in numbers))
            text = text[match.end():]
    comment = text.strip()[:max_comment].strip() or None
    return chosen, comment


def office_rating(text):
    """(office code, rest of the message) when a message starts with a code-like word."""
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9_-]{0,31})[\s.:,]+(.*)$", text or "", re.DOTALL)
    if not match or match.group(1).isdigit():
        return None
    return match.group(1).upper(), match.group(2)
