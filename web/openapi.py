"""The web channel's operations in the OpenAPI document (see server/openapi.py): the
rating-links API and the citizen's pages (HTML)."""

from server.openapi import errors, json_response

HTML = {"text/html": {"schema": {"type": "string"}}}


def _page(description):
    return {"description": description, "content": HTML}


def _pages(parameter, what):
    path_parameter = [{"name": parameter, "in": "path", "required": True, "schema": {"type": "string"},
                       "description": what}]
    lang = {"name": "lang", "in": "query", "required": False, "schema": {"type": "string"},
            "description": "Language of the page (vi, en or a configured kiosk language); default vi."}
    form = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["csrf_token", "client_id", "score"],
        "properties": {"csrf_token": {"type": "string"}, "client_id": {"type": "string", "format": "uuid"},
                       "score": {"type": "integer"}, "lang": {"type": "string"}}}}}}
    return {
        "get": {"summary": f"The rating page of {what}", "parameters": [*path_parameter, lang], "responses": {
            "200": _page("The faces to tap (or: already rated, thank you)."),
            "404": _page("Unknown code, or a link that was changed or cut."),
            "410": _page("A code that is no longer in use, or a link that has expired.")}},
        "post": {"summary": f"Send a rating for {what} (the page's form)", "parameters": path_parameter,
                 "requestBody": form, "responses": {
                     "200": _page("Already rated: thanked, not counted again."),
                     "303": {"description": "Stored: on to the reasons (a poor rating) or the thank-you."},
                     "400": _page("The form was stale or incomplete: the page again, asking to tap again."),
                     "404": _page("Unknown code or changed link."),
                     "410": _page("Retired code or expired link."),
                     "429": _page("Too many ratings from this address in a minute: nothing stored.")}},
    }


def paths(app):
    return {
        "/api/v1/rating-links": {"post": {
            "summary": "Make a link to rate one dossier's service (single use; changeable for 10 minutes)",
            "security": [{"userToken": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["office"],
                "properties": {
                    "office": {"type": "string", "description": "Code of the office that served the citizen."},
                    "counter": {"type": "string", "maxLength": 64, "description": "Label of one of its counters."},
                    "staff": {"type": "string", "maxLength": 64, "description": "Code of the officer."},
                    "service": {"type": "string", "maxLength": 64, "description": "Procedure code."},
                    "reference": {"type": "string", "maxLength": 64,
                                  "description": "Dossier code; kept on the server, never in the URL."},
                    "expires_in_hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 720,
                                         "description": "Default: the WEB_LINK_HOURS setting."},
                },
            }}}},
            "responses": {
                "201": json_response({"type": "object", "required": ["url", "expires_at"],
                                      "properties": {"url": {"type": "string", "format": "uri"},
                                                     "expires_at": {"type": "string", "format": "date-time"}}},
                                     "The link: print it as a QR code on the receipt, or send it."),
                **errors(400, 401, 403, 413),
            },
        }},
        "/r/{code}": _pages("code", "a counter (the code on its QR poster)"),
        "/l/{token}": _pages("token", "one dossier (a rating link)"),
    }
