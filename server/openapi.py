"""The OpenAPI 3.1 document served at /api/v1/openapi.json (pure).

The core documents its own operations; each component adds its paths (and schemas) through
its declaration (`server.components`), passed in here as `extra_paths` / `extra_schemas`.
`json_response` and `errors` are the helpers components build their operations with.
"""

ERROR = {"$ref": "#/components/schemas/Error"}


def json_response(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*codes):
    meaning = {400: "The request is not acceptable; `error` says which field or parameter.",
               401: "Missing, unknown or revoked token.",
               403: "The office is outside the user's scope (or the user may not do this); for a kiosk, "
                    "its office was closed without a successor.",
               404: "The pairing code is unknown or was already used.", 410: "The pairing code has expired.",
               413: "The body is larger than the server accepts.",
               429: "Too many attempts from this address; `Retry-After` says when to try again.",
               503: "The database does not answer."}
    return {str(code): json_response(ERROR, meaning[code]) for code in codes}


def document(scale, max_batch, channels=("kiosk",), extra_paths=None, extra_schemas=None, stats_flags=()):
    rating_item = {
        "type": "object",
        "description": "One rating. Unknown fields are ignored. A bad item is rejected on its own.",
        "required": ["id", "score", "created_at"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": "Chosen by the client; re-sending is safe."},
            "score": {"type": "integer", "minimum": 1, "maximum": scale.size},
            "created_at": {"type": "string", "format": "date-time",
                           "description": "When the citizen rated, with a UTC offset; at most 10 minutes ahead."},
            "reasons": {"type": "array", "items": {"type": "string", "enum": sorted(scale.reason_codes)}},
            "comment": {"type": "string", "maxLength": 500},
            "language": {"type": "string", "examples": ["vi", "en"]},
            "staff": {"type": "string", "description": "Staff code of the officer on duty."},
            "service": {"type": "string", "description": "Procedure code."},
            "misuse": {"type": "boolean", "description": "Set by a kiosk that saw the tap come too fast."},
        },
    }
    result = {
        "type": "object", "required": ["id", "status"],
        "properties": {
            "id": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": ["accepted", "duplicate", "rejected"]},
            "error": {"type": ["string", "null"], "description": "Why an item was rejected; null otherwise."},
            "warning": {"type": "string", "description": "Present when an accepted item lost a part: a `staff` "
                        "code that is unknown or of another office leaves the rating without an officer."},
        },
    }
    stats_row = {
        "type": "object",
        "required": ["office", "office_name", "part", "period", "period_start", "partial", "responses",
                     "counts", "satisfaction_rate", "csat", "mean_score"],
        "properties": {
            "office": {"type": "string"}, "office_name": {"type": "string"},
            "part": {"type": "string", "enum": ["subtree", "office_only"],
                     "description": "office_only: ratings given at the office itself, in a children breakdown."},
            "period": {"type": "string"}, "period_start": {"type": "string", "format": "date"},
            "partial": {"type": "boolean",
                        "description": "true when the period is cut by from/to or not over yet: its figures "
                                       "cover only part of it."},
            "responses": {"type": "integer"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "satisfaction_rate": {"type": "number", "description": "Decision 766: (n − dissatisfied) / n."},
            "satisfaction_ci95": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            "csat": {"type": "number", "description": "Share of the top two levels."},
            "mean_score": {"type": "number"},
        },
    }

    listed_rating = {
        "type": "object",
        "required": ["id", "created_at", "local_day", "office", "channel", "score", "reasons", "misuse"],
        "properties": {
            "id": {"type": "string", "description": "The id the kiosk (or the SMS channel) gave the rating."},
            "created_at": {"type": "string"}, "local_day": {"type": "string", "format": "date"},
            "office": {"type": "string"}, "counter": {"type": ["string", "null"]},
            "staff": {"type": ["string", "null"], "description": "The officer's code."},
            "channel": {"type": "string"}, "score": {"type": "integer"},
            "reasons": {"type": "array", "items": {"type": "string"}},
            "service": {"type": ["string", "null"]}, "language": {"type": ["string", "null"]},
            "misuse": {"type": "boolean"},
            "comment": {"type": ["string", "null"], "description": "Only with include=comment."},
        },
    }

    def param(name, schema, description):
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

    return {
        "openapi": "3.1.0",
        "info": {"title": "Citizen satisfaction API", "version": "1.0.0",
                 "description": "Kiosk ratings in, satisfaction by office and period out."},
        "components": {
            "securitySchemes": {
                "kioskToken": {"type": "http", "scheme": "bearer", "description": "A kiosk's token."},
                "userToken": {"type": "http", "scheme": "bearer", "description": "A user's API token."},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "RatingItem": rating_item,
                **(extra_schemas or {}),
            },
        },
        "paths": {
            "/healthz": {"get": {
                "summary": "Whether the server and its database answer",
                "responses": {"200": json_response({"type": "object", "properties": {"status": {"const": "ok"}}},
                                                   "Healthy."),
                              **errors(503)},
            }},
            "/api/v1/ping": {"get": {
                "summary": "Check the network and the server's clock (no database, no token)",
                "responses": {"200": json_response({"type": "object", "required": ["status", "server_time"],
                                            "properties": {"status": {"const": "ok"},
                                                           "server_time": {"type": "string"}}}, "Alive.")},
            }},
            "/api/v1/ratings": {"get": {
                "summary": "Individual ratings in the user's scope, without personal data, in the order stored",
                "security": [{"userToken": []}],
                "parameters": [
                    param("office", {"type": "string"}, "Office code (its subtree); default: the user's scope."),
                    param("from", {"type": "string", "format": "date"}, "First local date; default 29 days before to."),
                    param("to", {"type": "string", "format": "date"}, "Last local date, inclusive; default today."),
                    param("channel", {"type": "string", "enum": [*channels, "all"]}, "Default all."),
                    param("misuse", {"type": "string", "enum": ["exclude", "include", "only"]},
                          "Ratings flagged as misuse: default exclude."),
                    param("include", {"type": "string", "enum": ["comment"]},
                          "comment: add each rating's comment (admins and supervisors only; 403 otherwise)."),
                    param("after", {"type": "string", "pattern": "^[0-9]{1,18}$"},
                          "The cursor `next` of the previous page."),
                    param("limit", {"type": "integer", "minimum": 1, "maximum": 5000}, "Default 1000."),
                    param("format", {"type": "string", "enum": ["json", "csv"]}, "Default json."),
                ],
                "responses": {
                    "200": {"description": "A page of ratings; `next` (and a Link header rel=next) when more follow.",
                            "content": {
                                "application/json": {"schema": {
                                    "type": "object", "required": ["ratings", "next"],
                                    "properties": {"from": {"type": "string", "format": "date"},
                                                   "to": {"type": "string", "format": "date"},
                                                   "next": {"type": ["string", "null"]},
                                                   "ratings": {"type": "array", "items": listed_rating}}}},
                                "text/csv": {"schema": {"type": "string"}}}},
                    **errors(400, 401, 403),
                },
            }, "post": {
                "summary": "Deliver a batch of ratings from a kiosk",
                "security": [{"kioskToken": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["ratings"],
                    "properties": {"ratings": {"type": "array", "maxItems": max_batch,
                                               "items": {"$ref": "#/components/schemas/RatingItem"}}},
                }}}},
                "responses": {
                    "200": json_response({"type": "object", "required": ["results"],
                                  "properties": {"results": {"type": "array", "items": result}}},
                                 "One result per item, in order."),
                    **errors(400, 401, 403, 413),
                },
            }},
            "/api/v1/kiosk/config": {"get": {
                "summary": "What the kiosk shows: office, counter, officer, scale, reasons, languages",
                "security": [{"kioskToken": []}],
                "responses": {"200": json_response({"type": "object",
                                                    "required": ["office", "counter", "scale", "reasons"]},
                                           "The kiosk's configuration."), **errors(401, 403)},
            }},
            "/api/v1/kiosk/heartbeat": {"post": {
                "summary": "Report the kiosk's queue and version",
                "security": [{"kioskToken": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["queue_length", "app_version"],
                    "properties": {"queue_length": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
                                   "last_sync_at": {"type": ["string", "null"], "format": "date-time"},
                                   "app_version": {"type": "string", "maxLength": 64}},
                }}}},
                "responses": {"200": json_response({"type": "object", "properties": {"status": {"const": "ok"}}},
                                                   "Recorded."),
                              **errors(400, 401, 403, 413)},
            }},
            "/api/v1/kiosk/pair": {"post": {
                "summary": "Exchange an installer's one-time pairing code for the kiosk's token",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["code"],
                    "properties": {"code": {"type": "string", "maxLength": 64,
                                            "description": "Printed by flask kiosk add ... --pairing-code."}},
                }}}},
                "responses": {
                    "200": json_response({"type": "object", "required": ["token", "kiosk", "office", "counter"],
                                  "properties": {"token": {"type": "string"},
                                                 "kiosk": {"type": "object", "properties": {"id": {"type": "integer"}}},
                                                 "office": {"type": "object"}, "counter": {"type": "object"}}},
                                 "The kiosk's new token (shown once); the code is used up."),
                    **errors(400, 404, 410, 413, 429),
                },
            }},
            "/api/v1/stats": {"get": {
                "summary": "Satisfaction by office and period",
                "security": [{"userToken": []}],
                "parameters": [
                    param("office", {"type": "string"}, "Office code; default: the offices the user may see."),
                    param("period", {"type": "string", "enum": ["day", "week", "month", "quarter", "year"]},
                          "Local-time period; default month."),
                    param("from", {"type": "string", "format": "date"}, "First local date, inclusive."),
                    param("to", {"type": "string", "format": "date"}, "Last local date, inclusive."),
                    param("channel", {"type": "string", "enum": [*channels, "all"]}, "Default all."),
                    param("breakdown", {"type": "string", "enum": ["none", "children"]}, "Default none."),
                    param("include_misuse", {"type": "string", "enum": ["0", "1"]}, "Default 0."),
                    param("structure", {"type": "string", "enum": ["current", "historical"]}, "Default current."),
                    *(param(name, {"type": "string", "enum": ["0", "1"]}, "Default 0: leave out what a component "
                            "marks (see the README).") for name in stats_flags),
                ],
                "responses": {
                    "200": json_response({"type": "object", "required": ["rows"],
                                  "properties": {
                                      "rows": {"type": "array", "items": stats_row},
                                      "successor": {"type": "string", "description":
                                                    "Under structure=current, for an office merged away (asked "
                                                    "for, or the user's scope): the office its ratings count under."},
                                      "message": {"type": "string",
                                                  "description": "Why the rows are empty, with `successor`."}}},
                                 "Rows per office and period, periods in order; none for empty periods."),
                    **errors(400, 401, 403),
                },
            }},
            **(extra_paths or {}),
        },
    }
