"""The web channel: a citizen rates on their own phone, from a QR poster at the counter or a
link for one dossier (on the receipt or in the SMS invitation). See web/component.py."""
