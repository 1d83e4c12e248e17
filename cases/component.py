"""What follow-up cases add to the core (see server/components.py)."""

from cases.settings import SETTINGS
from server.components import Component

component = Component(
    name="cases",
    settings=tuple(SETTINGS),
    migrations="cases.storage",
    purge="cases.retention:purge",
    openapi="cases.openapi:paths",
    init_app="cases.app:init_app",
    demo="cases.demo:seed",
)
