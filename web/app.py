"""Wires the web channel into the app (its component's init_app): the citizen's pages,
POST /api/v1/rating-links, the `counter` commands, and `rating_links` for other
packages (the SMS invitation puts such a link in its text)."""


def init_app(app):
    from web import api, cli, pages
    from web.links import create_link

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.counter_cli)
    # The contract for other packages: rating_links(db, user, fields, now) -> (url, expires_at); raises LinkError.
    app.extensions["rating_links"] = lambda db, user, fields, now: create_link(db, app.config, user, fields, now)
