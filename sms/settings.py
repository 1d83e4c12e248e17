"""Settings of the SMS channel, read like every other setting (prefix SATISFACTION_)."""

from server.settings import Setting

SETTINGS = [
    Setting("TWILIO_ACCOUNT_SID", "", "Twilio account SID. Empty (the default): no Twilio; messages go to the "
            "outbox table (`flask --app server sms outbox`)."),
    Setting("TWILIO_AUTH_TOKEN", "", "Twilio auth token: authenticates sending and checks webhook signatures."),
    Setting("TWILIO_FROM", "", "The Twilio number (E.164) or sender ID messages come from."),
    Setting("TWILIO_MESSAGING_SERVICE_SID", "", "A Twilio Messaging Service to send through instead of TWILIO_FROM."),
    Setting("TWILIO_API_BASE", "https://api.twilio.com", "Base URL of Twilio's REST API (tests point it at a "
            "local stand-in)."),
    Setting("PUBLIC_BASE_URL", "http://127.0.0.1:5000", "The server's URL as Twilio reaches it (scheme, host, "
            "port, no path); webhook signatures are checked against it plus the path, so it works behind a proxy."),
    Setting("SMS_QUIET_HOURS", "21:00-07:00", "Local hours when no invitation is sent (HH:MM-HH:MM); empty turns "
            "quiet hours off."),
    Setting("SMS_REPLY_WINDOW_HOURS", 72, "How long after an invitation is sent a reply still counts for it."),
    Setting("SMS_FREQUENCY_CAP_DAYS", 30, "At most one invitation per phone number in this many days."),
    Setting("SMS_SEND_RATE", 1.0, "Most messages sent per second (Twilio long codes take 1; short codes and "
            "messaging services more)."),
    Setting("SMS_NUMBER_RETENTION_HOURS", 72, "Hours a raw phone number is kept after its message was sent or "
            "given up; afterwards only a keyed hash remains."),
    Setting("NUMBER_HASH_KEY", "", "Key of the keyed hash that opt-outs, caps and conversations know a number by; "
            "empty uses SECRET_KEY. Set it apart so SECRET_KEY can be rotated without forgetting opt-outs."),
    Setting("SMS_LANGUAGE", "vi", "Language of SMS texts: vi, en or vi-ascii (Vietnamese without diacritics: "
            "GSM-7, 160 characters a segment instead of 70)."),
    Setting("SMS_TEMPLATES", None, "JSON {language: {text name: template}} overriding the built-in SMS texts."),
    Setting("SMS_SENDER_INTERVAL_SECONDS", 5, "How often the server's background sender looks for due messages; "
            "0 turns it off (then run `flask --app server sms send-due` from cron)."),
]
