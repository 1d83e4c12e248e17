"""Settings of the dossier component (see README.md)."""

from server.settings import Setting, integer, json_value, number

SETTINGS = [
    Setting("DOSSIER_INVITE_AFTER_MINUTES", 120, number,
            "Dossiers: minutes after a dossier is returned that the citizen's rating invitation is sent."),
    Setting("DOSSIER_MATCH_MINUTES", 20, number,
            "Dossiers: a kiosk rating is `matched` when a dossier was received or returned at its counter this many "
            "minutes before it."),
    Setting("DOSSIER_LINK_OFFICES", [], json_value,
            "Dossiers: office codes (JSON list) whose return invitations carry a web rating link instead of asking "
            "for a digit."),
    Setting("DOSSIER_CONTACT_RETENTION_DAYS", 90, integer,
            "Dossiers: days a citizen's number from a dossier event is kept when the dossier is never returned; "
            "otherwise it goes as soon as the invitation is queued."),
    Setting("DOSSIER_BURST_RATINGS", 5, integer,
            "Dossiers integrity: this many top scores at one counter within DOSSIER_BURST_MINUTES are a burst."),
    Setting("DOSSIER_BURST_MINUTES", 10, number, "Dossiers integrity: the window of a top-score burst."),
    Setting("DOSSIER_SHIFT_P_VALUE", 0.001, number,
            "Dossiers integrity: a counter's score distribution is flagged when a chi-square test against its own "
            "previous periods gives a p-value below this."),
]
