"""The citizen's optional way back, given on the kiosk's (or web page's) reasons screen.

A rating item may carry `contact` (a phone number) with `contact_consent: true`, the
citizen's tick on the consent line. Without the tick the number is refused, so no number is
ever kept that the citizen did not agree to leave.
"""

from server.ratings import ItemError
from sms import phones


def parse_contact(item):
    value = item.get("contact")
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    try:
        number = phones.mobile(value)  # the answer goes by SMS
    except phones.PhoneError as problem:
        raise ItemError(f"contact: {problem}") from None
    if item.get("contact_consent") is not True:
        raise ItemError("contact_consent: must be true when a contact is given (the citizen's consent)")
    return {"contact": number}
