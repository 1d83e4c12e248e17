"""The dashboards' operations in the OpenAPI document (see server/openapi.py)."""

from server.openapi import errors, json_response


def paths(app):
    def param(name, schema, description):
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

    delivery = {"type": "object", "properties": {
        "user": {"type": "string"}, "channel": {"type": "string", "enum": ["sms", "email"]},
        "status": {"type": "string"}, "error": {"type": ["string", "null"]}}}
    alert = {
        "type": "object",
        "required": ["id", "rule", "office", "office_name", "raised_at", "details", "deliveries", "acknowledgement"],
        "properties": {
            "id": {"type": "integer"},
            "rule": {"type": "string", "description": "window, rate or silent_kiosk."},
            "office": {"type": "string"}, "office_name": {"type": "string"},
            "kiosk_id": {"type": ["integer", "null"]},
            "raised_at": {"type": "string", "description": "UTC, ISO 8601."},
            "details": {"type": "object", "description": "What the rule found (ratings, share, rate, days...)."},
            "deliveries": {"type": "array", "items": delivery,
                           "description": "Each attempt to tell a supervisor, by SMS or e-mail."},
            "acknowledgement": {"type": ["object", "null"], "properties": {
                "at": {"type": "string"}, "by": {"type": ["string", "null"]}, "comment": {"type": ["string", "null"]}}},
        },
    }
    return {
        "/api/v1/alerts": {"get": {
            "summary": "Alerts the user may see, with their deliveries and acknowledgements, in the order raised",
            "security": [{"userToken": []}],
            "parameters": [
                param("office", {"type": "string"}, "Office code (its subtree); default: the user's scope."),
                param("status", {"type": "string", "enum": ["all", "open", "acknowledged"]}, "Default all."),
                param("from", {"type": "string", "format": "date"}, "First local day raised, inclusive."),
                param("to", {"type": "string", "format": "date"}, "Last local day raised, inclusive."),
                param("after", {"type": "string", "pattern": "^[0-9]{1,18}$"},
                      "The cursor `next` of the previous page."),
                param("limit", {"type": "integer", "minimum": 1, "maximum": 5000}, "Default 1000."),
            ],
            "responses": {
                "200": json_response({"type": "object", "required": ["alerts", "next"],
                                      "properties": {"alerts": {"type": "array", "items": alert},
                                                     "next": {"type": ["string", "null"]},
                                                     "server_time": {"type": "string"}}},
                                     "A page of alerts; `next` when more follow."),
                **errors(400, 401, 403),
            },
        }},
    }
