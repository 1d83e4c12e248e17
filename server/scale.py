"""The deployment's rating scale and reason codes (pure: no Flask, no SQLite).

A scale has 3, 4 or 5 levels scored 1 (worst) to N (best). Each level has labels per
language, a colour, a face and whether it counts as dissatisfied for Decision 766's
satisfaction ratio.
"""

import functools
from dataclasses import dataclass, field

FACES = {
    3: ["unhappy", "happy", "very_happy"],
    4: ["unhappy", "neutral", "happy", "very_happy"],
    5: ["very_unhappy", "unhappy", "neutral", "happy", "very_happy"],
}

_PRESETS = {
    3: [
        (1, "Không hài lòng", "Dissatisfied", "#d7301f", True),
        (2, "Hài lòng", "Satisfied", "#66bd63", False),
        (3, "Rất hài lòng", "Very satisfied", "#1a9850", False),
    ],
    4: [
        (1, "Không hài lòng", "Dissatisfied", "#d7301f", True),
        (2, "Bình thường", "Neutral", "#fdae61", False),
        (3, "Hài lòng", "Satisfied", "#66bd63", False),
        (4, "Rất hài lòng", "Very satisfied", "#1a9850", False),
    ],
    5: [
        (1, "Rất không hài lòng", "Very dissatisfied", "#a50026", True),
        (2, "Không hài lòng", "Dissatisfied", "#f46d43", True),
        (3, "Bình thường", "Neutral", "#fee08b", False),
        (4, "Hài lòng", "Satisfied", "#66bd63", False),
        (5, "Rất hài lòng", "Very satisfied", "#1a9850", False),
    ],
}

DEFAULT_REASONS = [
    ("waiting_time", "Thời gian chờ đợi lâu", "Long waiting time"),
    ("staff_attitude", "Thái độ của cán bộ", "Staff attitude"),
    ("staff_competence", "Năng lực, hướng dẫn của cán bộ", "Staff competence or guidance"),
    ("unclear_procedure", "Thủ tục không rõ, yêu cầu thêm giấy tờ", "Unclear procedure, extra papers asked"),
    ("repeat_visits", "Phải đi lại nhiều lần", "Had to come back several times"),
    ("late_result", "Trả kết quả trễ hẹn", "Result late"),
    ("fees", "Phí, lệ phí", "Fees"),
    ("facilities", "Cơ sở vật chất", "Facilities"),
]


class ScaleError(ValueError):
    """The configured scale or reasons are not usable."""


@dataclass(frozen=True)
class Level:
    score: int
    labels: dict
    colour: str
    dissatisfied: bool
    face: str


@dataclass(frozen=True)
class Reason:
    code: str
    labels: dict


@dataclass(frozen=True)
class Scale:
    levels: tuple
    reasons: tuple = field(default=())

    @property
    def size(self):
        return len(self.levels)

    @functools.cached_property  # read for every rating; the scale never changes
    def scores(self):
        return [level.score for level in self.levels]

    @functools.cached_property
    def dissatisfied_scores(self):
        return {level.score for level in self.levels if level.dissatisfied}

    @property
    def top_two(self):
        return {self.size, self.size - 1}

    @functools.cached_property
    def reason_codes(self):
        return {reason.code for reason in self.reasons}

    def level(self, score):
        return self.levels[score - 1]


def build_scale(scale_setting, reasons_setting=None):
    """Build the scale from the SCALE and REASONS settings, or raise ScaleError."""
    levels = _levels(scale_setting)
    return Scale(levels=tuple(levels), reasons=tuple(_reasons(reasons_setting)))


def _levels(setting):
    if isinstance(setting, (int, str)) and str(setting).strip() in {"3", "4", "5"}:
        size = int(setting)
        return [
            Level(score, {"vi": vi, "en": en}, colour, bad, FACES[size][score - 1])
            for score, vi, en, colour, bad in _PRESETS[size]
        ]
    if not isinstance(setting, list) or len(setting) not in FACES:
        raise ScaleError("SCALE must be 3, 4, 5 or a list of 3 to 5 levels")
    size = len(setting)
    by_score = {}
    for item in setting:
        try:
            score = int(item["score"])
            labels = {"vi": str(item["vi"]), "en": str(item["en"])}
        except (KeyError, TypeError, ValueError) as error:
            raise ScaleError(f"SCALE level {item!r} needs score, vi and en") from error
        labels.update({k: str(v) for k, v in item.get("labels", {}).items()})
        by_score[score] = Level(score, labels, str(item.get("colour", "#888888")),
                                bool(item.get("dissatisfied", False)), FACES[size][min(score, size) - 1])
    if sorted(by_score) != list(range(1, size + 1)):
        raise ScaleError(f"SCALE scores must be 1..{size}, each once")
    if not any(level.dissatisfied for level in by_score.values()):
        raise ScaleError("SCALE needs at least one level marked dissatisfied")
    return [by_score[score] for score in range(1, size + 1)]


def _reasons(setting):
    if setting is None:
        return [Reason(code, {"vi": vi, "en": en}) for code, vi, en in DEFAULT_REASONS]
    if not isinstance(setting, list):
        raise ScaleError("REASONS must be a list of {code, vi, en}")
    reasons = []
    for item in setting:
        try:
            labels = {"vi": str(item["vi"]), "en": str(item["en"])}
            code = str(item["code"])
        except (KeyError, TypeError) as error:
            raise ScaleError(f"REASONS item {item!r} needs code, vi and en") from error
        labels.update({k: str(v) for k, v in item.get("labels", {}).items()})
        reasons.append(Reason(code, labels))
    if len({reason.code for reason in reasons}) != len(reasons):
        raise ScaleError("REASONS codes must be unique")
    return reasons
