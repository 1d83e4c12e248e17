"""What the supervisors' dashboards add to the core (see server/components.py)."""

from dashboards.settings import SETTINGS
from server.components import Component

component = Component(
    name="dashboards",
    settings=tuple(SETTINGS),
    migrations="dashboards.storage",
    purge="dashboards.retention:purge",
    init_app="dashboards.app:init_app",
)
