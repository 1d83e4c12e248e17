"""Words the kiosk shows, per language (pure).

Vietnamese and English are built in. A deployment adds languages (for example Ê Đê or
M'Nông) with the LANGUAGES setting: {code: {name, texts, levels, reasons}}; anything a
language leaves out falls back to Vietnamese.
"""

BUILT_IN = {
    "vi": {
        "name": "Tiếng Việt",
        "texts": {
            "question": "Ông/Bà có hài lòng với sự phục vụ tại quầy này không?",
            "thanks": "Xin cảm ơn Ông/Bà đã đánh giá!",
            "why": "Ông/Bà chưa hài lòng về điều gì?",
            "send": "Gửi",
            "skip": "Bỏ qua",
            "officer": "Cán bộ tiếp nhận",
            "counter": "Quầy",
            "online": "Đã kết nối",
            "offline": "Mất kết nối",
            "queued": "chờ gửi",
        },
    },
    "en": {
        "name": "English",
        "texts": {
            "question": "How satisfied are you with the service at this counter?",
            "thanks": "Thank you for your rating!",
            "why": "What were you not satisfied with?",
            "send": "Send",
            "skip": "Skip",
            "officer": "Officer on duty",
            "counter": "Counter",
            "online": "Online",
            "offline": "Offline",
            "queued": "queued",
        },
    },
}


def languages(extra):
    """Every language: code -> {name, texts, levels, reasons} (levels/reasons may be partial)."""
    result = {code: {"name": lang["name"], "texts": dict(lang["texts"]), "levels": {}, "reasons": {}}
              for code, lang in BUILT_IN.items()}
    for code, lang in (extra or {}).items():
        texts = dict(BUILT_IN["vi"]["texts"])
        texts.update(lang.get("texts", {}))
        result[code] = {
            "name": lang.get("name", code),
            "texts": texts,
            "levels": {str(k): v for k, v in lang.get("levels", {}).items()},
            "reasons": dict(lang.get("reasons", {})),
        }
    return result


def localised(labels, translations, codes):
    """Labels in every language code, from a translation, else built in, else Vietnamese."""
    return {code: translations.get(code) or labels.get(code) or labels["vi"] for code in codes}


def levels(scale, langs):
    """The scale's levels as the kiosk and the web page show them, best first."""
    codes = list(langs)
    return [
        {"score": level.score, "colour": level.colour, "face": level.face, "dissatisfied": level.dissatisfied,
         "labels": localised(level.labels, {c: langs[c]["levels"].get(str(level.score)) for c in codes}, codes)}
        for level in reversed(scale.levels)
    ]


def reasons(scale, langs):
    """The reasons for a poor rating, with their labels in every language."""
    codes = list(langs)
    return [
        {"code": reason.code,
         "labels": localised(reason.labels, {c: langs[c]["reasons"].get(reason.code) for c in codes}, codes)}
        for reason in scale.reasons
    ]
