"""Wires the dossier component into the app (its component's init_app)."""

import datetime as dt

from dossiers import api, cli
from dossiers.events import DossierEvents


def integrity_counts(db, query, office_ids):
    from dossiers.integrity import suspect_counts
    return suspect_counts(db, query, office_ids)


def init_app(app):
    sms = app.extensions.get("sms")
    app.extensions["dossier_events"] = DossierEvents(
        app.extensions["timezone"], invite=sms.invite if sms else None,
        invite_after=dt.timedelta(minutes=app.config["DOSSIER_INVITE_AFTER_MINUTES"]),
        link_offices=[str(code).upper() for code in app.config["DOSSIER_LINK_OFFICES"] or []])
    # exclude_suspect=1 on /api/v1/stats leaves out the ratings the integrity check marked.
    app.extensions.setdefault("stats_exclusions", {})["exclude_suspect"] = integrity_counts
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.dossiers_cli)
    if "dashboards" in {component.name for component in app.extensions["components"]}:
        from dossiers import pages
        app.register_blueprint(pages.bp)
