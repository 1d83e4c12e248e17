"""Phone numbers: E.164 with Vietnam as the default region, and the keyed hash kept instead.

A raw number is personal data (Decree 13/2023): it is kept only while a message must be
sent; caps, opt-outs and conversations know a number by HMAC-SHA256 under NUMBER_HASH_KEY
(or SECRET_KEY when that is not set), which cannot be reversed without the key. Changing
that key forgets opt-outs and caps: deployments set NUMBER_HASH_KEY and keep it.
"""

import hashlib
import hmac
import re

import phonenumbers

DEFAULT_REGION = "VN"
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class PhoneError(ValueError):
    """Not a valid phone number."""


def normalise(text, region=DEFAULT_REGION):
    """`0912 345 678`, `84912345678` or `+84912345678` -> `+84912345678`, or PhoneError."""
    if not isinstance(text, str) or not text.strip() or len(text) > 40:
        raise PhoneError("must be a phone number such as 0912 345 678 or +84912345678")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise PhoneError("is not a phone number (e.g. 0912 345 678 or +84912345678)") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("is not a valid phone number (e.g. 0912 345 678 or +84912345678)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mobile(text, region=DEFAULT_REGION):
    """A mobile number of `region` that an SMS can reach, normalised (`0912 345 678` ->
    `+84912345678`), or PhoneError: what a citizen leaves to be answered on (kiosk, web)."""
    number = normalise(text, region)
    parsed = phonenumbers.parse(number, None)
    if phonenumbers.region_code_for_number(parsed) != region or phonenumbers.number_type(parsed) not in (
            phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise PhoneError("is not a Vietnamese mobile number (e.g. 0912 345 678)")
    return number


def region(number):
    """The ISO region of a normalised number (`+84...` -> `VN`), or None."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(number, None))


def number_key(secret_key, number):
    """The keyed hash a number is remembered by once the raw number is gone."""
    return hmac.new(str(secret_key).encode(), b"sms-number:" + number.encode(), hashlib.sha256).hexdigest()


def sender_number(sender):
    """The number an incoming message came from, in E.164, or None for a short code or a
    sender ID (nobody to answer).

    Twilio sends `From` in E.164 already: it is taken as it is. Parsing it would give it back
    unchanged at best (phonenumbers was a tenth of a webhook's Python calls), and at worst drop
    a number the carrier has just delivered from, because its range is newer than the library's
    metadata. Any other form (a stand-in, a test) is normalised.
    """
    sender = (sender or "").strip()
    if E164.fullmatch(sender):
        return sender
    try:
        return normalise(sender)
    except PhoneError:
        return None


def sender_key(secret_key, sender):
    """The key of an incoming message's sender: its number when it has one (sender_number),
    else the sender as it is (a short code or sender ID)."""
    return number_key(secret_key, sender_number(sender) or (sender or "").strip())


def masked(number):
    """`+8491*****78`: enough for a trainer to tell test phones apart, not to call anyone."""
    if not number:
        return "(erased)"
    return number[:5] + "*" * max(0, len(number) - 7) + number[-2:]
