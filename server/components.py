"""Components: what a package adds to the core, declared in one place.

The core (`server/`) owns storage, offices, ratings, rollups, users, scope and the API
framework and names no component. Each component package has a module `component.py`
whose `component` says what it adds:

- `channels`: rating channels it brings (the core has "kiosk"), known to every channel
  filter and split;
- `settings`: its `Setting`s (typed, documented in README.md like the core's);
- `migrations`: the module holding its sqlite-utils `Migrations` (as `migrations`),
  applied after the core's, in the order of the component list;
- `rollups`: `server.rollups.Rollup`s it needs kept beside the core's (it creates their
  tables in its migrations; the core keeps their counts with every write);
- `purge`: "module:function" with `purge(app, db, now) -> [(key, what, how many)]`, run
  by `flask purge` after the core's retention rules;
- `openapi`: "module:function" with `paths(app) -> {path: operations}` merged into
  /api/v1/openapi.json (`components(app) -> {schema name: schema}` beside it, optional);
- `init_app`: "module:function" that registers its blueprints, commands, extensions and
  background jobs (`server.background`);
- `demo`: "module:function" with `seed(app, db, seed, end) -> summary line`, run by
  `flask seed-demo` after the core's demo province, to add the component's own history.

References are dotted strings, so reading a declaration (for its settings, say) imports
neither Flask nor the component's code. `server.app.COMPONENTS` lists the components the
server is built from; `create_app(components=[...])` builds it from another list.
"""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    name: str
    channels: tuple = ()
    settings: tuple = ()
    migrations: str | None = None
    rollups: tuple = ()
    purge: str | None = None
    openapi: str | None = None
    openapi_schemas: str | None = None
    init_app: str | None = None
    demo: str | None = None

    def call(self, hook, *args):
        """Call the function named by `hook` ("module:function"); None when not declared."""
        reference = getattr(self, hook)
        if reference is None:
            return None
        return resolve(reference)(*args)

    def migration_set(self):
        return None if self.migrations is None else importlib.import_module(self.migrations).migrations


def resolve(reference):
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


CORE_CHANNELS = ("kiosk",)


def channels_of(components):
    """Every rating channel: the core's, then each component's, in list order."""
    return CORE_CHANNELS + tuple(channel for component in components for channel in component.channels)


def load(names=None):
    """The components named (default: the server's list), in order."""
    if names is None:
        from server.app import COMPONENTS
        names = COMPONENTS
    return [importlib.import_module(f"{name}.component").component for name in names]
