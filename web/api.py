"""POST /api/v1/rating-links: a dossier system asks for a link to rate one dossier's service."""

from flask import Blueprint, current_app, g, jsonify

from server.api import error, json_body, user_required
from server.db import get_db, write_transaction
from server.timeutil import utcnow
from web.links import LinkError, create_link

bp = Blueprint("web_api", __name__, url_prefix="/api/v1")


@bp.post("/rating-links")
@user_required
def create_rating_link():
    db, body = get_db(), json_body()
    try:
        with write_transaction(db):
            url, expires_at = create_link(db, current_app.config, g.user, body, utcnow())
    except LinkError as problem:
        return error(problem.status, str(problem))
    response = jsonify({"url": url, "expires_at": expires_at})
    response.status_code = 201
    return response
