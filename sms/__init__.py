"""The SMS channel through Twilio: invitations after service, ratings by reply.

A component of the server (see `sms/component.py`): `sms.app.init_app` wires it in. Its
pure modules (`parser`, `dialogue`, `segments`, `templates`) import nothing heavy.
"""
