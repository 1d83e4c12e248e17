"""Settings of the web channel, read like every other setting (prefix SATISFACTION_)."""

from server.settings import Setting, number, text

SETTINGS = [
    Setting("WEB_BASE_URL", "http://127.0.0.1:5000", text, "The short public address citizens' phones open (scheme "
            "and host, no path): printed on counter posters and put in rating links, e.g. https://danhgia.tinh.gov.vn."),
    Setting("WEB_REPEAT_MINUTES", 30, number, "Web channel: one rating per browser per counter in this many minutes "
            "(a signed cookie); a second visit in that time is thanked, not counted again."),
    Setting("WEB_RATINGS_PER_MINUTE", 10, number, "Web channel: most ratings one address may send in a minute; more "
            "get a polite 'try again in a minute' page (nginx limits page requests as well)."),
    Setting("WEB_BURST_SECONDS", 20, number, "Web channel: a rating this soon after the previous one from the same "
            "address is kept but flagged as misuse (left out of figures by default), like the kiosk's rule."),
    Setting("WEB_LINK_HOURS", 168, number, "Default lifetime of a rating link for one dossier "
            "(POST /api/v1/rating-links' expires_in_hours; at most 720)."),
]
