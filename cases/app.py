"""Wires follow-up cases into the app (the component's init_app).

- the opening rule joins the core's ingest (`Ingest.on_rating_stored`: inside the rating's
  write transaction) and the contact field joins its item parsing (`Ingest.field_parsers`);
- the SMS channel, when present, hears the citizens' "1"/"2" to "did the answer help?" and,
  after a dissatisfied rating's follow-up, to "do you want the office to contact you?";
- a rating edited to a satisfied level, or flagged as misuse later, closes its case by itself
  (`on_followup`, `on_misuse_flagged`);
- a reorganisation recorded late that moves ratings moves their cases too (`on_ratings_moved`);
- the API (/api/v1/cases), and the overdue check joins the alert machinery
  (`alert_sources`, read by dashboards/alerting.py).
"""


import threading


def init_app(app):
    from cases import alerts, api, contact
    from cases.service import (
        CONTACT_TOPIC,
        FEEDBACK_TOPIC,
        CaseOpener,
        FollowupOpener,
        MisuseCloser,
        Rules,
        follow_moved_ratings,
        record_contact_wish,
        record_feedback,
    )
    from cases.workdays import WorkCalendar, parse_days_off
    from server.timeutil import local_today

    calendar = WorkCalendar(parse_days_off(app.config["CASE_DAYS_OFF"]))
    # The holiday tables take a second to build: not on the first poor rating's write lock.
    year = local_today(app.extensions["timezone"]).year
    threading.Thread(target=calendar.warm, args=(year, year + 1), name="case-calendar", daemon=True).start()
    rules = Rules(app.extensions["scale"], app.extensions["timezone"], calendar, app.config)
    app.extensions["cases"] = rules
    ingest = app.extensions["ingest"]
    ingest.field_parsers.append(contact.parse_contact)
    ingest.on_rating_stored.append(CaseOpener(rules))
    ingest.on_followup.append(FollowupOpener(rules))
    ingest.on_misuse_flagged.append(MisuseCloser())
    ingest.on_ratings_moved.append(follow_moved_ratings)
    # Channels that ask "why?" on a page of their own offer the optional number when some
    # component reads it (the web channel's second page).
    app.extensions.setdefault("rating_fields", set()).add("contact")
    # The kiosk's reasons screen offers it too, and its consent line says when it is erased.
    app.extensions.setdefault("kiosk_fields", {})["contact"] = {
        "retention_days": app.config["CASE_CONTACT_RETENTION_DAYS"]}
    channel = app.extensions.get("sms")
    if channel is not None:
        channel.answer_handlers[FEEDBACK_TOPIC] = lambda db, ref, choice, now: record_feedback(
            db, rules, ref, choice, now)
        # after a dissatisfied SMS rating's follow-up: "do you want the office to contact you?"
        channel.answer_handlers[CONTACT_TOPIC] = record_contact_wish
        channel.contact_topic = CONTACT_TOPIC
    app.extensions.setdefault("alert_sources", []).append(alerts.findings)
    app.register_blueprint(api.bp)
    if "dashboards" in {component.name for component in app.extensions["components"]}:
        from cases import pages
        app.register_blueprint(pages.bp)
        from flask_babel import lazy_gettext

        app.extensions.setdefault("dashboard_links", []).append(("cases_pages.case_list", lazy_gettext("Cases")))
        from cases.figures import panel, report_section
        app.extensions.setdefault("dashboard_panels", []).append(panel)
        app.extensions.setdefault("report_sections", []).append(report_section)
