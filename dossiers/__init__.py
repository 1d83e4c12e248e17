"""The dossier system in the loop: dossier events, response and on-time rates, apology
letters and the integrity of kiosk ratings.

A component of the server (see `dossiers/component.py`). Its pure modules (`state`,
`integrity_rules`) import nothing heavy.
"""
