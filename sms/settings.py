"""Settings of the SMS channel, read like every other setting (prefix SATISFACTION_)."""

from server.settings import Setting, integer, json_value, number, secret, text

SETTINGS = [
    Setting("TWILIO_ACCOUNT_SID", "", text, "Twilio account SID. Empty (the default): no Twilio; messages go to the "
            "outbox table (`flask --app server sms outbox`)."),
    Setting("TWILIO_AUTH_TOKEN", "", secret, "Twilio auth token: authenticates sending and checks webhook signatures."),
    Setting("TWILIO_FROM", "", text, "The Twilio number (E.164) or sender ID messages come from."),
    Setting("TWILIO_MESSAGING_SERVICE_SID", "", text,
            "A Twilio Messaging Service to send through instead of TWILIO_FROM."),
    Setting("TWILIO_API_BASE", "https://api.twilio.com", text, "Base URL of Twilio's REST API (tests point it at a "
            "local stand-in)."),
    Setting("PUBLIC_BASE_URL", "http://127.0.0.1:5000", text, "The server's URL as Twilio reaches it (scheme, host, "
            "port, no path); webhook signatures are checked against it plus the path, so it works behind a proxy."),
    Setting("SMS_QUIET_HOURS", "21:00-07:00", text, "Local hours when no invitation is sent (HH:MM-HH:MM); empty turns "
            "quiet hours off."),
    Setting("SMS_REPLY_WINDOW_HOURS", 72, number, "How long after an invitation is sent a reply still counts for it."),
    Setting("SMS_ALLOWED_REGIONS", ["VN"], json_value,
            "Regions (ISO 3166 codes, JSON list) whose numbers may be invited; others get 400. Texts abroad cost more "
            "and are no service of a Vietnamese office."),
    Setting("SMS_INVITATIONS_PER_USER_DAY", 5000, integer,
            "Most invitations one user (or API token's user) may ask for in a local day; more get 429."),
    Setting("SMS_FREQUENCY_CAP_DAYS", 30, number, "At most one invitation per phone number in this many days."),
    Setting("SMS_SEND_RATE", 1.0, number, "Most messages sent per second (Twilio long codes take 1; short codes and "
            "messaging services more)."),
    Setting("SMS_NUMBER_RETENTION_HOURS", 72, number, "Hours a raw phone number is kept after its message was sent or "
            "given up; afterwards only a keyed hash remains."),
    Setting("NUMBER_HASH_KEY", "", secret,
            "Key of the keyed hash that opt-outs, caps and conversations know a number by; "
            "empty uses SECRET_KEY. Set it apart so SECRET_KEY can be rotated without forgetting opt-outs."),
    Setting("SMS_LANGUAGE", "vi", text, "Language of SMS texts: vi, en or vi-ascii (Vietnamese without diacritics: "
            "GSM-7, 160 characters a segment instead of 70)."),
    Setting("SMS_TEMPLATES", None, json_value,
            "JSON {language: {text name: template}} overriding the built-in SMS texts."),
    Setting("SMS_SENDER_INTERVAL_SECONDS", 5, number,
            "How often the server's background sender looks for due messages; "
            "0 turns it off (then run `flask --app server sms send-due` from cron)."),
]
