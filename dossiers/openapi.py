"""The dossier component's operations in the OpenAPI document (see server/openapi.py)."""

from server.openapi import errors, json_response

EVENT = {
    "type": "object", "description": "One dossier event. A bad event is rejected on its own.",
    "required": ["id", "dossier", "type", "at", "office"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "Chosen by the sender; re-sending is safe."},
        "dossier": {"type": "string", "maxLength": 64, "description": "The dossier's code."},
        "type": {"type": "string", "enum": ["received", "due_changed", "returned", "cancelled"]},
        "at": {"type": "string", "format": "date-time", "description": "When it happened, with an offset."},
        "office": {"type": "string", "description": "Code of the office handling the dossier."},
        "counter": {"type": "string", "maxLength": 64, "description": "Label of the counter."},
        "staff": {"type": "string", "maxLength": 64, "description": "Staff code of the officer."},
        "service": {"type": "string", "maxLength": 64, "description": "Procedure code."},
        "due_at": {"type": "string", "description": "The promised date: a timestamp with an offset, or a date "
                                                    "(the end of that local day)."},
        "phone": {"type": "string", "description": "The citizen's number, for the invitation after return."},
    },
}
SUMMARY_ROW = {
    "type": "object",
    "required": ["office", "period", "received", "returned", "returned_on_time", "late", "apologised", "rated",
                 "response_rate", "on_time_rate"],
    "properties": {
        "office": {"type": "string"}, "office_name": {"type": "string"}, "part": {"type": "string"},
        "period": {"type": "string"}, "period_start": {"type": "string", "format": "date"},
        "partial": {"type": "boolean"},
        **{name: {"type": "integer"} for name in ("received", "returned", "returned_on_time", "late", "apologised",
                                                 "apologised_in_time", "rated")},
        **{name: {"type": ["number", "null"]} for name in ("response_rate", "on_time_rate", "apology_rate")},
    },
}


def _param(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _period_params():
    return [
        _param("office", {"type": "string"}, "Office code; default: the offices the user may see."),
        _param("period", {"type": "string", "enum": ["day", "week", "month", "quarter", "year"]}, "Default month."),
        _param("from", {"type": "string", "format": "date"}, "First local date, inclusive."),
        _param("to", {"type": "string", "format": "date"}, "Last local date, inclusive."),
        _param("breakdown", {"type": "string", "enum": ["none", "children"]}, "Default none."),
        _param("structure", {"type": "string", "enum": ["current", "historical"]}, "Default current."),
    ]


def paths(app):
    result = {"type": "object", "required": ["id", "status"], "properties": {
        "id": {"type": ["string", "null"]}, "status": {"type": "string", "enum": ["accepted", "duplicate", "rejected"]},
        "error": {"type": ["string", "null"]}}}
    late_item = {"type": "object", "required": ["dossier", "office", "promised_due_at", "status", "apology"]}
    return {
        "/api/v1/dossiers/events": {"post": {
            "summary": "Deliver the dossier system's events (received, due changed, returned, cancelled)",
            "security": [{"userToken": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["events"],
                "properties": {"events": {"type": "array", "maxItems": 500, "items": EVENT}}}}}},
            "responses": {"200": json_response({"type": "object", "required": ["results"], "properties": {
                "results": {"type": "array", "items": result}}}, "One result per event, in order."),
                **errors(400, 401, 403, 413)},
        }},
        "/api/v1/dossiers/summary": {"get": {
            "summary": "Dossiers received, returned, on time, late and apologised, and the response rate",
            "security": [{"userToken": []}],
            "parameters": _period_params(),
            "responses": {"200": json_response({"type": "object", "required": ["rows"], "properties": {
                "rows": {"type": "array", "items": SUMMARY_ROW}}}, "Rows per office and period."),
                **errors(400, 401, 403)},
        }},
        "/api/v1/dossiers/late": {"get": {
            "summary": "Dossiers past their promised date (returned late or still open), with their apology",
            "security": [{"userToken": []}],
            "parameters": [*_period_params()[:1], *_period_params()[2:4],
                           _param("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Default 100."),
                           _param("after", {"type": "string"}, "The `next` of the previous page.")],
            "responses": {"200": json_response({"type": "object", "required": ["dossiers", "next"], "properties": {
                "dossiers": {"type": "array", "items": late_item}, "next": {"type": ["string", "null"]}}},
                "Late dossiers, oldest promised date first."), **errors(400, 401, 403)},
        }},
        "/api/v1/dossiers/{code}/apology": {"post": {
            "summary": "Record the apology and new date for a late dossier (and text it to the citizen)",
            "security": [{"userToken": []}],
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["new_due_at", "reason"],
                "properties": {"new_due_at": {"type": "string", "description": "A date or a timestamp with offset."},
                               "reason": {"type": "string", "maxLength": 500}}}}}},
            "responses": {"201": json_response({"type": "object", "required": ["dossier", "apology_at", "documents"]},
                                               "Recorded; the form as Word and PDF."),
                          **errors(400, 401, 403, 404), "409": json_response({"$ref": "#/components/schemas/Error"},
                                                                            "No apology is due (on time, cancelled).")},
        }},
    }
