"""What the supervisors' dashboards add to the core (see server/components.py)."""

from dashboards.settings import SETTINGS
from server.components import Component
from server.rollups import Rollup

component = Component(
    name="dashboards",
    settings=tuple(SETTINGS),
    migrations="dashboards.storage",
    # Monthly sums of the reasons and staff rollups: a year of reasons for a whole province is
    # ~150,000 daily rows but ~5,000 monthly ones; pages read whole months here and only the
    # partial months at the ends of a range from the daily rows (dashboards.queries).
    rollups=(Rollup("rollup_reasons_monthly", ("office_id", "month", "channel", "misuse"), counts="reasons"),
             Rollup("rollup_staff_monthly", ("office_id", "counter_id", "staff_id", "month", "channel", "misuse"))),
    purge="dashboards.retention:purge",
    openapi="dashboards.openapi:paths",
    init_app="dashboards.app:init_app",
    demo="dashboards.demo:seed",
)
