"""Supervisors' dashboards: login, satisfaction pages, exports, alerts, admin and public pages.

A component of the server (see `dashboards/component.py`): `dashboards.app.init_app` wires
it in. Its pure modules (`charts`, `alert_rules`, `ranking`) import nothing heavy.
"""
