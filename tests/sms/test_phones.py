"""Who an incoming message came from (sms.phones): its number, or nobody to answer."""

import pytest

from sms import phones


@pytest.mark.parametrize("sender, number", [
    ("+84912345678", "+84912345678"),  # Twilio's From: E.164 already
    (" +84912345678 ", "+84912345678"),
    ("0912 345 678", "+84912345678"),  # the local stand-in's form
    ("84912345678", "+84912345678"),
    ("8077", None),  # a short code
    ("VIETTEL", None),  # an alphanumeric sender ID
    ("", None),
    (None, None),
])
def test_the_sender_number_is_e164_or_none(sender, number):
    assert phones.sender_number(sender) == number


def test_a_sender_is_keyed_by_its_number_whatever_form_it_came_in():
    key = phones.sender_key("secret", "+84912345678")
    assert phones.sender_key("secret", "0912 345 678") == key == phones.number_key("secret", "+84912345678")
    assert phones.sender_key("secret", " VIETTEL ") == phones.number_key("secret", "VIETTEL")
    assert phones.sender_key("other secret", "+84912345678") != key
