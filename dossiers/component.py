"""What the dossier component adds to the core (see server/components.py)."""

from dossiers.settings import SETTINGS
from server.components import Component

component = Component(
    name="dossiers",
    settings=tuple(SETTINGS),
    migrations="dossiers.storage",
    purge="dossiers.retention:purge",
    openapi="dossiers.openapi:paths",
    init_app="dossiers.app:init_app",
    demo="dossiers.demo:seed",
)
