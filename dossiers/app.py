"""Wires the dossier component into the app (its component's init_app)."""

import datetime as dt

from dossiers import api, cli
from dossiers.events import DossierEvents

# Ratings and dossier events both arrive late; marking every 10 minutes keeps the page fresh.
INTEGRITY_INTERVAL_SECONDS = 600


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
        from flask_babel import lazy_gettext

        from dossiers import pages
        app.register_blueprint(pages.bp)
        app.extensions.setdefault("dashboard_links", []).extend([
            ("dossiers_pages.late", lazy_gettext("Late dossiers")),
            ("dossiers_pages.integrity_page", lazy_gettext("Integrity"))])
        from dossiers import totals
        app.extensions.setdefault("dashboard_panels", []).append(totals.panel)
        app.extensions.setdefault("report_sections", []).append(totals.report_section)
        _register_integrity_job(app)


def _register_integrity_job(app):
    """Mark the last two days' kiosk ratings again every INTEGRITY_INTERVAL, in one process."""
    from dossiers import integrity
    from server import background

    job = background.Job(app, "dossier-integrity", INTEGRITY_INTERVAL_SECONDS,
                         lambda db: integrity.mark_recent(app, db, 2), lease_seconds=INTEGRITY_INTERVAL_SECONDS * 3,
                         run_at_start=False)
    background.register(app, job)
