"""How many SMS segments a text costs (pure).

A text that fits the GSM-7 alphabet travels 7 bits a character: 160 in one segment, 153 per
segment once it is split (the rest carries the header that joins the parts). The extension
characters (^ { } [ ] ~ | \\ €) take two. Anything else, such as Vietnamese with its
diacritics, goes as UCS-2: 70 characters in one segment, 67 when split, characters outside
the Basic Multilingual Plane (emoji) taking two. A part never splits a two-unit character.
The GSM 03.38 alphabet itself comes from the gsm0338 codec.
"""

import functools
from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

GSM7 = "GSM-7"
UCS2 = "UCS-2"
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class Measure:
    encoding: str
    segments: int
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2


def _gsm_units(text):
    """Septets per character, or None if a character is outside GSM-7."""
    try:
        return [len(character.encode("gsm03.38")) for character in text]
    except UnicodeEncodeError:
        return None


def _ucs2_units(text):
    return [len(character.encode("utf-16-le")) // 2 for character in text]


def _pack(units, single, multi):
    total = sum(units)
    if total <= single:
        return 1 if units else 0
    segments, used = 1, 0
    for size in units:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return segments


@functools.lru_cache(maxsize=1024)  # the same template texts are measured again and again
def measure(text):
    """Encoding, segment count and length in units of `text` as an SMS."""
    units = _gsm_units(text)
    encoding = GSM7
    if units is None:
        units, encoding = _ucs2_units(text), UCS2
    return Measure(encoding, _pack(units, *LIMITS[encoding]), sum(units))

