"""Folding citizens' text for matching, and Vietnamese without diacritics (pure).

Citizens type "rất hài lòng", "rat hai long", "RAT HAI LONG" or "ko hài lòng" for the same
thing. Matching works on a folded form: Unicode compatibility forms unified (full-width
digits become ASCII), diacritics dropped, đ written d, lower case, single spaces.
"""

import re
import unicodedata

# Short forms of "không" common in Vietnamese texting.
_ABBREVIATIONS = {word: "khong" for word in ("ko", "k", "kg", "kh", "khg", "hok", "hong", "hk", "khum", "hem")}


def strip_diacritics(text):
    """Vietnamese (or any Latin) text without diacritics, case kept: "Đắk Nông" -> "Dak Nong"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def fold(text):
    """The form replies are matched on: no diacritics, lower case, one space between words."""
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join(strip_diacritics(text).lower().split())


def spelled_out(word):
    """One folded word with a texting short form spelled out ("ko" -> "khong")."""
    return _ABBREVIATIONS.get(word, word)


def words(text):
    """Folded words (letters and digits), with texting short forms spelled out."""
    return [_ABBREVIATIONS.get(word, word) for word in re.findall(r"[a-z0-9]+", fold(text))]
