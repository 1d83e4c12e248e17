"""What the SMS channel adds to the core (see server/components.py)."""

from server.components import Component
from sms.settings import SETTINGS

component = Component(
    name="sms",
    channels=("sms",),
    settings=tuple(SETTINGS),
    migrations="sms.storage",
    purge="sms.retention:purge",
    openapi="sms.openapi:paths",
    init_app="sms.app:init_app",
    demo="sms.demo:seed",
)
