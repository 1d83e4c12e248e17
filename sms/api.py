"""POST /api/v1/invitations: an office's dossier system asks for an SMS invitation."""

from flask import Blueprint, current_app, g, jsonify

from server.api import error, json_body, user_required
from server.db import get_db
from server.timeutil import utcnow
from sms.channel import InvitationError

bp = Blueprint("sms_api", __name__, url_prefix="/api/v1")


@bp.post("/invitations")
@user_required
def create_invitation():
    channel = current_app.extensions["sms"]
    try:
        invitation_id, status = channel.invite(get_db(), g.user, json_body(), utcnow())
    except InvitationError as problem:
        return error(problem.status, str(problem))
    response = jsonify({"id": invitation_id, "status": status})
    response.status_code = 202
    return response
