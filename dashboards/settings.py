"""Settings of the supervisors' dashboards, alerts and public page (see README.md)."""

from server.settings import Setting, boolean, integer, json_value, number, secret, text

SETTINGS = [
    Setting("MIN_RATINGS_TO_RANK", 30, integer,
            "Dashboards: offices and officers with fewer ratings than this are shown apart, not ranked."),
    Setting("TARGET_RATE", 0.9, number,
            "Dashboards: the province's target for the Decision 766 satisfaction rate, drawn on the trend "
            "and shown in the quarterly report."),
    Setting("LOGIN_MAX_FAILURES", 5, integer,
            "Dashboards: failed logins for one username from one address within LOGIN_LOCKOUT_MINUTES before that "
            "address is locked out of that name; as many from any addresses slow the name down."),
    Setting("LOGIN_LOCKOUT_MINUTES", 15, integer, "Dashboards: how long a lockout after repeated failed logins lasts."),
    Setting("LOGIN_SLOWDOWN_SECONDS", 10, integer,
            "Dashboards: once a username has LOGIN_MAX_FAILURES recent failures, an address that failed on it waits "
            "this long after the name's latest failure before trying again (addresses that did not fail never wait)."),
    Setting("SESSION_IDLE_HOURS", 8, number, "Dashboards: a login session unused this long ends (log in again)."),
    Setting("PUBLIC_PAGE", False, boolean,
            "Dashboards: serve the public satisfaction page at /public (aggregates only)."),
    Setting("OFFICE_HOURS", "07:30-17:00", text,
            "Local office hours as HH:MM-HH:MM; kiosk silence counts only inside them."),
    Setting("OFFICE_DAYS", [1, 2, 3, 4, 5], json_value, "ISO weekdays (1 = Monday) with office hours, as a JSON list."),
    Setting("KIOSK_SILENT_MINUTES", 30, integer,
            "Dashboards: a kiosk silent this long within office hours stands out and raises an alert."),
    Setting("ALERT_WINDOW_MINUTES", 15, integer, "Alert: window for the share of dissatisfied ratings at one office."),
    Setting("ALERT_WINDOW_SHARE", 0.5, number,
            "Alert: share of dissatisfied ratings in the window that raises an alert."),
    Setting("ALERT_WINDOW_MIN_RATINGS", 4, integer, "Alert: fewest ratings in the window before its share counts."),
    Setting("ALERT_RATE_THRESHOLD", 0.8, number,
            "Alert: a Decision 766 satisfaction rate below this over ALERT_RATE_DAYS raises an alert."),
    Setting("ALERT_RATE_DAYS", 7, integer, "Alert: how many days (up to today) the satisfaction-rate rule looks at."),
    Setting("ALERT_RATE_MIN_RATINGS", 30, integer,
            "Alert: fewest ratings over ALERT_RATE_DAYS before the rate rule fires."),
    Setting("ALERT_INTERVAL_SECONDS", 60, number,
            "Alert: how often the server checks the rules in the background; 0 leaves it to "
            "`flask alerts check` from cron."),
    Setting("SMTP_HOST", None, text, "Alert e-mail: SMTP server host; unset means no e-mail."),
    Setting("SMTP_PORT", 25, integer, "Alert e-mail: SMTP server port."),
    Setting("SMTP_USERNAME", None, text, "Alert e-mail: SMTP login, if the server needs one."),
    Setting("SMTP_PASSWORD", None, secret, "Alert e-mail: SMTP password."),
    Setting("SMTP_STARTTLS", False, boolean, "Alert e-mail: upgrade the SMTP connection with STARTTLS."),
    Setting("SMTP_FROM", "satisfaction@localhost", text, "Alert e-mail: the From address."),
]
