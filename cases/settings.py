"""Settings of follow-up cases (see README.md)."""

from server.settings import Setting, integer, json_value

SETTINGS = [
    Setting("CASE_DUE_WORKING_DAYS", 5, integer,
            "Cases: working days (local time; weekends, Vietnam's public holidays and CASE_DAYS_OFF skipped) a case "
            "has to be answered from the moment it opens or reopens."),
    Setting("CASE_DAYS_OFF", [], json_value,
            "Cases: the province's own days off as a JSON list of dates (\"2027-02-03\"), not counted as working "
            "days, besides weekends and Vietnam's public holidays."),
    Setting("CASE_REPLY_MAX_SEGMENTS", 3, integer,
            "Cases: the longest SMS reply to a citizen, in SMS segments (the question whether the answer helped "
            "included); longer replies are refused with the count."),
    Setting("CASE_CONTACT_RETENTION_DAYS", 30, integer,
            "Cases: days a citizen's number given for a case is kept after the case closes; then `flask purge` "
            "erases it (Decree 13/2023)."),
    Setting("CASE_ESCALATION_DAYS", 3, integer,
            "Cases: working days past its due date before an unanswered case is also raised to the parent "
            "office's supervisors."),
    Setting("CASE_FEEDBACK_WINDOW_DAYS", 7, integer,
            "Cases: days the citizen's answer to \"did the answer help?\" (1 or 2 by SMS) is waited for."),
]
