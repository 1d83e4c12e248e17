"""The header's counter name follows the screen's language (kiosk.texts, pure)."""

import pytest

from kiosk.texts import counter_name
from server import languages

TEXTS = {code: lang["texts"] for code, lang in languages.languages({"ede": {"name": "Ê Đê"}}).items()}


@pytest.mark.parametrize("label, vi, en", [
    ("Quầy 1", "Quầy 1", "Counter 1"),  # was "Counter Quầy 1" on the English screen
    ("quầy 12", "Quầy 12", "Counter 12"),
    ("3", "Quầy 3", "Counter 3"),
    ("A2", "Quầy A2", "Counter A2"),
    ("Quầy tiếp nhận hồ sơ đất đai", "Quầy tiếp nhận hồ sơ đất đai", "Quầy tiếp nhận hồ sơ đất đai"),
])
def test_the_counter_is_named_in_the_screens_language(label, vi, en):
    config = {"texts": TEXTS, "counter": {"label": label}}
    assert (counter_name(config, "vi"), counter_name(config, "en"), counter_name(config, "ede")) == (vi, en, vi)
