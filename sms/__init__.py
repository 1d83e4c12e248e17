"""The SMS channel through Twilio: invitations after service, ratings by reply.

`init_app` wires it into the server: the channel (`app.extensions["sms"]`), the
`sms_send` function other packages queue texts with, the invitations API, Twilio's
webhooks, the `sms` commands and the background sender.
"""

from flask import request


def init_app(app):
    from sms import api, cli, gateway, webhooks
    from sms.channel import Channel
    from sms.sender import BackgroundSender

    channel = Channel(app)
    app.extensions["sms"] = channel
    # The contract for other packages (e.g. supervisors' alerts): sms_send(db, phone, body, purpose) -> message id
    app.extensions["sms_send"] = channel.send_message
    # Whether texts really leave (a Twilio account is set) or only reach the local outbox.
    app.extensions["sms_live"] = gateway.twilio_configured(app.config)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
    app.cli.add_command(cli.sms_cli)

    interval = float(app.config["SMS_SENDER_INTERVAL_SECONDS"])
    if interval > 0 and not app.testing:
        background = BackgroundSender(app, interval)
        app.extensions["sms_sender"] = background

        @app.before_request
        def _start_background_sender():
            # Started by the first request a server process serves: gunicorn workers fork
            # first, CLI commands serve none, and a test client is no server (it sets no
            # SERVER_SOFTWARE), so an app built in a test never sends in the background.
            if request.environ.get("SERVER_SOFTWARE"):
                background.ensure_started()

