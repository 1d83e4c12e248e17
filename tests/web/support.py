"""Helpers the web channel's tests share: the base URL the tests serve under, a form's fields."""

import re

BASE = "http://rate.test"


def form_fields(html):
    """The hidden fields of the page's form."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
