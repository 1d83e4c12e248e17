"""The cases' operations in the OpenAPI document (see server/openapi.py)."""

from cases.service import FILTER_STATUSES, MAX_NOTE, MAX_PAGE_SIZE, OUTCOMES, STATUSES, SYSTEM_OUTCOMES
from server.openapi import ERROR, errors, json_response

NULLABLE_TEXT = {"type": ["string", "null"]}
CASE = {
    "type": "object",
    "required": ["id", "office", "status", "opened_at", "due_at", "rating", "has_contact", "version"],
    "properties": {
        "id": {"type": "integer"},
        "office": {"type": "string", "description": "Code of the rating's office."},
        "office_name": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "overdue": {"type": "boolean", "description": "Open and past its due date."},
        "opened_at": {"type": "string", "format": "date-time"},
        "due_at": {"type": "string", "format": "date-time",
                   "description": "CASE_DUE_WORKING_DAYS working days (local time) after it opened or reopened."},
        "answered_at": NULLABLE_TEXT, "closed_at": NULLABLE_TEXT,
        "outcome": {"type": ["string", "null"], "enum": [*OUTCOMES, *SYSTEM_OUTCOMES, None],
                    "description": "rating_changed and misuse: closed by itself, the rating edited to a satisfied "
                                   "level or flagged as misuse after it was stored (not in the figures)."},
        "assignee": NULLABLE_TEXT,
        "version": {"type": "integer", "description": "Send it back with a PATCH: a stale one gets 409."},
        "rating": {"type": "object", "required": ["score", "channel", "reasons", "comment"], "properties": {
            "score": {"type": "integer"}, "channel": {"type": "string"},
            "reasons": {"type": "array", "items": {"type": "string"}}, "comment": NULLABLE_TEXT,
            "created_at": {"type": "string"}, "service": NULLABLE_TEXT, "reference": NULLABLE_TEXT,
            "counter": NULLABLE_TEXT,
            "staff": {"type": ["object", "null"], "properties": {"code": {"type": "string"},
                                                                 "name": {"type": "string"}}},
        }},
        "has_contact": {"type": "boolean", "description": "The citizen left a number to be answered on."},
        "contact": {"type": ["string", "null"], "description": "The number masked (+8491*****78); never in full."},
        "contact_source": NULLABLE_TEXT,
        "contact_wanted": {"type": ["boolean", "null"],
                           "description": "The SMS citizen's answer to whether they want the office to contact "
                                          "them (1 yes, 2 no: the number is then erased); null when not said."},
        "feedback": {"type": ["string", "null"], "enum": ["satisfied", "unsatisfied", None],
                     "description": "The citizen's answer to whether the answer helped."},
        "feedback_at": NULLABLE_TEXT, "first_answered_at": NULLABLE_TEXT,
        "answer_working_days": {"type": ["integer", "null"]}, "updated_at": {"type": "string"},
    },
}
CONFLICT = json_response({"type": "object", "required": ["error"], "properties": {"error": {"type": "string"},
                                                                                  "case": CASE}},
                         "The case changed meanwhile (stale `version`), or cannot take this action now (no "
                         "contact to reply to, closed); `case` is its current state.")
NOT_FOUND = json_response(ERROR, "No such case in the user's scope.")
CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def paths(app):
    segments = app.config["CASE_REPLY_MAX_SEGMENTS"]
    return {
        "/api/v1/cases": {"get": {
            "summary": "Follow-up cases of dissatisfied ratings in the user's scope, newest first",
            "security": [{"userToken": []}],
            "parameters": [
                {"name": "office", "in": "query", "schema": {"type": "string"},
                 "description": "Office code: that office and everything under it."},
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(FILTER_STATUSES)}},
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
                 "description": "Opened on or after this local date."},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"},
                 "description": "Opened on or before this local date."},
                {"name": "cursor", "in": "query", "schema": {"type": "string"},
                 "description": "The `next` of the previous page."},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                            "maximum": MAX_PAGE_SIZE}},
            ],
            "responses": {
                "200": json_response({"type": "object", "required": ["cases", "next"], "properties": {
                    "cases": {"type": "array", "items": CASE},
                    "next": {"type": ["string", "null"], "description": "Cursor of the next page; null at the end."},
                }}, "A page of cases."),
                **errors(400, 401, 403),
            },
        }},
        "/api/v1/cases/{case_id}": {"patch": {
            "summary": "Assign, add a note, record a call (status answered), close with an outcome, or reopen",
            "security": [{"userToken": []}],
            "parameters": [CASE_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {
                    "assignee": {"type": ["string", "null"], "description": "Username of a supervisor of the "
                                 "case's office or above (or an admin); null unassigns."},
                    "note": {"type": "string", "maxLength": MAX_NOTE,
                             "description": "Added to the timeline; with status answered, what the call said."},
                    "status": {"type": "string", "enum": list(STATUSES)},
                    "outcome": {"type": "string", "enum": list(OUTCOMES),
                                "description": "Required with status closed."},
                    "version": {"type": "integer", "minimum": 1,
                                "description": "The case's version; required to change assignee, status or "
                                               "outcome."},
                },
            }}}},
            "responses": {
                "200": json_response({"type": "object", "required": ["case"], "properties": {"case": CASE}},
                                     "The case after the change."),
                **errors(400, 401, 403), "404": NOT_FOUND, "409": CONFLICT,
            },
        }},
        "/api/v1/cases/{case_id}/reply": {"post": {
            "summary": "Send the citizen an SMS answer (outside quiet hours; opt-outs respected)",
            "description": f"At most {segments} SMS segments, the question whether the answer helped included "
                           "(asked once per case). The case becomes answered.",
            "security": [{"userToken": []}],
            "parameters": [CASE_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["text"],
                "properties": {"text": {"type": "string"}, "version": {"type": "integer", "minimum": 1}},
            }}}},
            "responses": {
                "202": json_response({"type": "object", "required": ["message_id", "segments", "case"],
                                      "properties": {"message_id": {"type": "integer"},
                                                     "segments": {"type": "integer"},
                                                     "encoding": {"type": "string"}, "case": CASE}},
                                     "Queued for the SMS sender."),
                **errors(400, 401, 403), "404": NOT_FOUND, "409": CONFLICT,
            },
        }},
    }
