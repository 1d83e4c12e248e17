"""Reading citizens' replies (pure): keywords, a score, follow-up reasons, `<OFFICE CODE> <score>`.

Keywords count only as the whole message (surrounding spaces and punctuation aside), so
"Stop by tomorrow please" is not an opt-out. They are matched word by word keeping the
diacritics a citizen typed: a word typed with diacritics must be the keyword's word
("Đúng", right, is not "Dừng", stop); a word typed without them matches the keyword's
word without them ("dung lai" is "dừng lại"). A bare "dung" could be đúng, dừng or dùng:
it is CONFIRM_STOP, answered with a question, never an opt-out.

A score is read by a small grammar over the folded words of the reply, clause by clause
(clauses end at , . ; : ! ? a line break, "nhưng" or "but"):

    reading  := digit | level | negation filler* level
    digit    := one digit on the scale ("4", "４", "4️⃣", "4/4" on a 4-level scale),
                unless a unit follows it ("2 tiếng", "30 phút", "2h"): then it is a quantity
    level    := the words of a level's label in any language of the scale, longest first
                ("rất hài lòng", "rat hai long", "very satisfied", "không hài lòng")
    negation := không chưa chẳng chả "đâu có" and texting forms (k ko kh khg kg hk hok hong
                hông khum hem kô), not no never, n't, and the prefix un- ("unsatisfied")
    filler   := a few words that may stand between a negation and a level without changing
                it: được thấy cảm thật sự thực quá lắm hề hẳn mấy có là hoàn toàn còn;
                really so too quite fully completely at all feel am is was ...

A negated level that is not itself dissatisfied reads as the scale's mildest dissatisfied
level ("chưa hài lòng", "not very satisfied" -> 1 on the 4-level scale, 2 on the 5-level
one). The reply has a score when its readings agree on exactly one; it has none (the
re-prompt) when they disagree ("3 không hài lòng"), when a digit is off the scale or a
number is not a quantity ("0", "10", "44"), or when the grammar cannot be sure:
a negation with other words between it and a level ("ko phai cho hai long"), a negated
dissatisfied level ("not dissatisfied"), a negation standing alone as a clause
("Không. Rất hài lòng"), a negation before a digit ("không 4").
"""

import itertools
import re
import unicodedata
from dataclasses import dataclass

from sms.text import fold, spelled_out, strip_diacritics, words

OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"
CONFIRM_STOP = "confirm_stop"  # "dung" without diacritics: ask before opting out

# Each keyword as citizens write it with diacritics (alternative tone placements included);
# without diacritics every one matches its folded form.
KEYWORDS = {
    # Twilio's standard opt-out words, and the Vietnamese carriers' TC (từ chối) and HUY (hủy).
    OPT_OUT: ("stop", "unsubscribe", "end", "quit", "stopall", "revoke", "optout", "cancel", "tc",
              "hủy", "huỷ", "từ chối", "tuchoi", "dừng", "dừng lại", "ngừng", "ngưng"),
    OPT_IN: ("start", "yes", "unstop", "bắt đầu", "đk", "đăng ký", "đăng kí"),
    HELP: ("help", "info", "trợ giúp", "hướng dẫn"),
}
AMBIGUOUS_KEYWORDS = {"dung": CONFIRM_STOP}  # đúng (right), dừng (stop), dùng (use)
_EDGE_PUNCTUATION = " .,!?;:-_'\"()"


def _keyword_words(text):
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", text or "")).lower()
    return text.strip(_EDGE_PUNCTUATION).split()


def _same_word(typed, written):
    """A typed word is the keyword's word: exactly when typed with diacritics, else folded."""
    return typed == (fold(written) if typed.isascii() else written)


def _typed_forms():
    """{typed words: kind} for every way `_same_word` lets a citizen type each keyword (a
    word typed as written, or folded), the first kind winning as in KEYWORDS' order; built
    once, so reading a message is one lookup instead of folding every keyword's words."""
    forms = {}
    for kind, keywords in KEYWORDS.items():
        for written in keywords:
            choices = [[form for form in dict.fromkeys((part, fold(part))) if _same_word(form, part)]
                       for part in written.split()]
            for typed in itertools.product(*choices):
                forms.setdefault(typed, kind)
    return forms


_TYPED_KEYWORDS = _typed_forms()


def keyword(text):
    """OPT_OUT, OPT_IN, HELP or CONFIRM_STOP when the whole message is such a keyword, else None."""
    typed = _keyword_words(text)
    joined = " ".join(typed)
    if joined in AMBIGUOUS_KEYWORDS:
        return AMBIGUOUS_KEYWORDS[joined]
    return _TYPED_KEYWORDS.get(tuple(typed))


# --- reactions ----------------------------------------------------------------------------

# iMessage tapbacks and Android reactions arrive as texts quoting the message reacted to.
_REACTION = re.compile(
    r"^(?:liked|loved|disliked|laughed at|emphasi[sz]ed|questioned|removed .{1,40} from|reacted .{1,16} to"
    r"|đã (?:thích|yêu thích|không thích|cười|nhấn mạnh|hỏi|đặt câu hỏi|thả .{1,16} (?:vào|cho|với)"
    r"|bày tỏ .{1,24} (?:về|với|cho)|xóa .{1,40} khỏi|xoá .{1,40} khỏi))"
    r"\s+[“\"„«].*[”\"»]\s*$", re.DOTALL)


def is_reaction(text):
    """True for a tapback or reaction ("Liked “…”", "Đã thích “…”"): nothing was said."""
    return bool(_REACTION.match(unicodedata.normalize("NFC", (text or "").strip()).lower()))


# --- the score grammar ----------------------------------------------------------------------

NEGATIONS = {("khong",), ("chua",), ("chang",), ("cha",), ("dau", "co"), ("not",), ("no",), ("never",)}
FILLERS = {"duoc", "thay", "cam", "that", "su", "thuc", "qua", "lam", "he", "han", "may", "co", "la", "hoan",
           "toan", "con", "really", "so", "too", "quite", "fully", "completely", "entirely", "totally", "at",
           "all", "feel", "felt", "am", "is", "was", "be", "been", "i", "im", "particularly"}
# Words after a number that make it a quantity, not a score: "chờ 2 tiếng", "đi lại 3 lần".
UNITS = {"phut", "p", "ph", "tieng", "gio", "h", "ngay", "lan", "thang", "nam", "tuan", "giay", "s", "nguoi",
         "nghin", "ngan", "trieu", "dong", "vnd", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs",
         "day", "days", "week", "weeks", "times", "people"}
POLITE = {"a", "da", "vang", "cam", "on", "ok", "oke", "thanks", "thank", "you", "cm", "camon", "diem", "sao"}
CLAUSE_WORDS = {"nhung", "but"}
AMBIGUOUS = "ambiguous"
_TOKENS = re.compile(r"[a-z0-9]+|[,.;:!?\n]+")


@dataclass(frozen=True)
class Reading:
    """What the grammar found in a reply: scores, whether it is unsure, and other words."""
    scores: frozenset
    unsure: bool
    other_words: int

    @property
    def score(self):
        return next(iter(self.scores)) if len(self.scores) == 1 and not self.unsure else None


_PHRASES = {}
_NOT = re.compile(r"n['’]t\b")


@dataclass(frozen=True)
class _ScaleWords:
    """What reading a reply needs of a scale, computed once per scale."""
    phrases: dict        # {folded words of a level's label: score}
    first_words: frozenset  # the first word of each phrase ("unsatisfied" is "not satisfied")
    out_of: re.Pattern   # "4/4": four out of four
    by_first: dict       # {first word: ((phrase, score), ...)} in the phrases' order


def _scale_words(scale):
    cached = _PHRASES.get(id(scale))
    if cached is not None and cached[0] is scale:
        return cached[1]
    phrases = {}
    for level in scale.levels:
        for label in level.labels.values():
            phrases[tuple(words(label))] = level.score
    by_first = {}
    for phrase, score in phrases.items():
        if phrase:
            by_first.setdefault(phrase[0], []).append((phrase, score))
    found = _ScaleWords(phrases, frozenset(by_first), re.compile(rf"\b(\d)\s*/\s*{scale.size}\b"),
                        {word: tuple(entries) for word, entries in by_first.items()})
    _PHRASES[id(scale)] = (scale, found)  # a deployment has one scale: computed once
    return found


def level_phrases(scale):
    """{folded words of a level's label: score}, for every language the scale names."""
    return _scale_words(scale).phrases


def _clauses(text, scale):
    """The reply's tokens, clause by clause, texting forms spelled out."""
    known = _scale_words(scale)
    folded = _NOT.sub(" not", fold(text))
    folded = known.out_of.sub(r"\1", folded)
    clauses, current = [], []
    for token in _TOKENS.findall(folded):
        if token[0] in ",.;:!?\n" or token in CLAUSE_WORDS:
            clauses.append(current)
            current = []
        elif token.startswith("un") and token[2:] in known.first_words:
            current += ["not", token[2:]]  # "unsatisfied"
        else:
            current.append(spelled_out(token))  # a token is one folded word already
    return [clause for clause in [*clauses, current] if clause]


def _longest_level(tokens, start, by_first):
    """(words, score) of the longest level phrase at `start` (the first listed of equal
    length), or None; `by_first` holds the scale's phrases by their first word."""
    best = None
    for phrase, score in by_first.get(tokens[start], ()):
        if tuple(tokens[start:start + len(phrase)]) == phrase and (best is None or len(phrase) > best[0]):
            best = (len(phrase), score)
    return best


def _negation(tokens, start):
    for negation in _NEGATIONS_BY_FIRST.get(tokens[start], ()):
        if tuple(tokens[start:start + len(negation)]) == negation:
            return len(negation)
    return 0


_NEGATIONS_BY_FIRST = {}
for _negated in NEGATIONS:
    _NEGATIONS_BY_FIRST.setdefault(_negated[0], []).append(_negated)
_DIGITS_AND_LETTERS = re.compile(r"(\d+)([a-z]*)")


def _number(tokens, index, scale):
    """A digit's score, None for a quantity, AMBIGUOUS for a number that is not on the scale."""
    match = _DIGITS_AND_LETTERS.fullmatch(tokens[index])
    if match is None:
        return AMBIGUOUS  # "4a5": letters and digits mixed
    number, unit = match.groups()
    if unit in UNITS or (not unit and index + 1 < len(tokens) and tokens[index + 1] in UNITS):
        return None
    if unit and unit not in POLITE:  # "4sao", "4diem" read as "4 sao"; other letters make it unreadable
        return AMBIGUOUS
    return int(number) if len(number) == 1 and int(number) in scale.scores else AMBIGUOUS


def read(text, scale):
    """The Reading of a reply under the grammar above."""
    by_first = _scale_words(scale).by_first
    mildest = max(scale.dissatisfied_scores, default=None)
    scores, unsure, other = set(), False, 0
    for tokens in _clauses(text, scale):
        negated, gap, i = None, False, 0
        while i < len(tokens):
            level = _longest_level(tokens, i, by_first)
            if level:
                size, score = level
                if negated is not None:
                    if gap or score in scale.dissatisfied_scores or mildest is None:
                        unsure = True
                    else:
                        score = mildest
                scores.add(score)
                negated, gap, i = None, False, i + size
                continue
            negation = _negation(tokens, i)
            if negation:
                negated, gap, i = i, False, i + negation
                continue
            token = tokens[i]
            if token[0].isdigit():
                number = _number(tokens, i, scale)
                if number == AMBIGUOUS or (number is not None and negated is not None):
                    unsure = True
                elif number is not None:
                    scores.add(number)
            elif token not in FILLERS:
                gap = True
                if token not in POLITE:
                    other += 1
            i += 1
        if negated is not None and not gap:
            unsure = True  # "Không." standing alone: a "no" we cannot place on the scale
    return Reading(frozenset(scores), unsure, other)


def score(text, scale):
    """The score a reply gives, or None when it cannot be read unambiguously."""
    return read(text, scale).score


def score_only(text, scale):
    """True when a reply is a readable score and nothing else ("3", "Hài lòng ạ"), not a comment."""
    reading = read(text, scale)
    return reading.score is not None and reading.other_words == 0


def followup(text, scale, max_comment):
    """(reason codes, comment, whole comment kept) from an answer to the reason menu.

    Leading numbers pick reasons from the menu ("1 3", "1,3", "13" with fewer than ten
    reasons); what follows them is a comment ("1 cho qua lau"). Numbers that are not on the
    menu make the whole answer a comment. A comment longer than `max_comment` is cut there.
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
    comment = text.strip()
    return chosen, comment[:max_comment].strip() or None, len(comment) <= max_comment


_OFFICE_AND_REST = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_-]{0,31})[\s.:,]+(.*)$", re.DOTALL)
# "GN4", "DM-DL-1": a code and its digit typed without a space.
_GLUED = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]{0,30}?[A-Za-z_])-?(\d)[\s.!]*$")


def office_rating(text):
    """(office code, rest of the message) when a message starts with a code-like word."""
    glued = _GLUED.match(text or "")
    if glued:
        return glued.group(1).upper(), glued.group(2)
    match = _OFFICE_AND_REST.match(text or "")
    if match and not match.group(1).isdigit():
        return match.group(1).upper(), match.group(2)
    return None


_CHOICE_NO = re.compile(r"\b(chua|khong|chang)\s+(duoc\s+)?hai\s+long\b")
_CHOICE_YES = re.compile(r"\bhai\s+long\b")


def choice(text, options):
    """The option (1..options) a reply picks: one number ("2", "2 a", "so 1"), or for a two-way
    question the words ("hài lòng" 1, "chưa hài lòng" 2); None when it is not clear."""
    folded = strip_diacritics(text or "").lower()
    numbers = re.findall(r"\d+", folded)
    if len(set(numbers)) == 1:
        value = int(numbers[0])
        return value if 1 <= value <= options else None
    if numbers or options != 2:
        return None
    if _CHOICE_NO.search(folded):
        return 2
    if _CHOICE_YES.search(folded):
        return 1
    return None
