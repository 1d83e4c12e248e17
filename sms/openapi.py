"""The SMS channel's operations in the OpenAPI document (see server/openapi.py)."""

from server.openapi import ERROR, errors, json_response


def paths(app):
    return {
        "/api/v1/invitations": {"post": {
            "summary": "Ask for an SMS invitation to rate a service (sent outside quiet hours)",
            "security": [{"userToken": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["phone", "office"],
                "properties": {
                    "phone": {"type": "string", "examples": ["0912 345 678", "+84912345678"],
                              "description": "The citizen's number; Vietnam is the default region, and only "
                                             "numbers of SMS_ALLOWED_REGIONS (default Vietnam) are invited."},
                    "office": {"type": "string", "description": "Code of the office that served the citizen."},
                    "service": {"type": "string", "maxLength": 64, "description": "Procedure code."},
                    "reference": {"type": "string", "maxLength": 64, "description": "Dossier code."},
                    "counter": {"type": "string", "maxLength": 64,
                                "description": "Label of the counter that served the citizen (of that office); "
                                               "the rating the reply produces is counted there."},
                    "staff": {"type": "string", "maxLength": 64,
                              "description": "Code of the officer who served the citizen; the rating is "
                                             "credited to them."},
                    "send_after": {"type": "string", "format": "date-time",
                                   "description": "Not before this time, with an offset; at most 30 days on."},
                    "link": {"type": "boolean", "description": "Add a rating link (web channel) to the text, "
                             "as an alternative to replying with a digit."},
                    "language": {"type": "string", "enum": ["vi", "en", "vi-ascii"],
                                 "description": "Default: the SMS_LANGUAGE setting."},
                },
            }}}},
            "responses": {
                "202": json_response({"type": "object", "required": ["id", "status"],
                              "properties": {"id": {"type": "integer"},
                                             "status": {"type": "string",
                                                        "enum": ["queued", "opted_out", "capped"]}}},
                             "Accepted: queued to send, or not sent because the number opted out or was "
                             "invited in the last SMS_FREQUENCY_CAP_DAYS days."),
                **errors(400, 401, 403, 413),
                "429": json_response(ERROR,
                                     "The user asked for SMS_INVITATIONS_PER_USER_DAY invitations today already."),
            },
        }},
    }
