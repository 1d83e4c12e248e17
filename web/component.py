"""What the web channel adds to the core (see server/components.py)."""

from server.components import Component
from web.settings import SETTINGS

component = Component(
    name="web",
    channels=("web",),
    settings=tuple(SETTINGS),
    migrations="web.storage",
    purge="web.retention:purge",
    openapi="web.openapi:paths",
    init_app="web.app:init_app",
)
