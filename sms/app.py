"""Wires the SMS channel into the app (its component's init_app).

`init_app` wires it into the server: the channel (`app.extensions["sms"]`), the
`sms_send` function other packages queue texts with, the invitations API, Twilio's
webhooks, the `sms` commands and the background sender.
"""

from server import background as server_background
from server import observability


def init_app(app):
    from sms import api, cli, gateway, webhooks
    from sms.channel import Channel
    from sms.metrics import SMS_MESSAGES
    from sms.sender import Sender

    channel = Channel(app)
    app.extensions["sms"] = channel
    # The contract for other packages (e.g. supervisors' alerts): sms_send(db, phone, body, purpose) -> message id
    app.extensions["sms_send"] = channel.send_message
    # Whether texts really leave (a Twilio account is set) or only reach the local outbox.
    app.extensions["sms_live"] = gateway.twilio_configured(app.config)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhooks.bp)
    app.cli.add_command(cli.sms_cli)
    observability.add_metrics(app, SMS_MESSAGES)

    interval = app.config["SMS_SENDER_INTERVAL_SECONDS"]
    if interval > 0 and not app.testing:
        # Every interval, or as soon as a message is queued in this process; the Sender takes
        # and renews its lease itself (so cron's `sms send-due` takes turns with it too).
        sender = Sender(channel)
        job = server_background.Job(app, "sms-sender", interval, sender.send_due, wake=channel.wake)
        app.extensions["sms_sender"] = job
        server_background.register(app, job)
