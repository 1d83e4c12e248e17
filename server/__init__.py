"""The core of the satisfaction server: storage, offices, ratings, rollups, users, scope, API.

Import-light on purpose: importing `server.periods` (or a component's pure module that
uses it) must not load Flask or SQLite. The app is assembled in `server.app` from its
list of components; `flask --app server ...` and gunicorn find `create_app` here.
"""

from server.settings import ConfigurationError

__all__ = ["ConfigurationError", "create_app"]


def create_app(test_config=None, components=None):
    """Build the app (see server.app.create_app)."""
    from server.app import create_app as build

    return build(test_config, components)
