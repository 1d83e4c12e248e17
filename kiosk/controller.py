"""Between the screen and the outbox: runs the flow and stores its effects before the screen changes.

No Kivy here: the app forwards events and renders `controller.state`. If the outbox cannot
store a rating (disk full, card failing) the flow does not move on, so nobody is thanked
for a rating that was not kept, and `storage_problem` says why for the status line.
"""

import datetime as dt
import logging
import sqlite3

import uuid6

from kiosk import flow

log = logging.getLogger(__name__)


def utcnow():
    return dt.datetime.now(dt.UTC)


class Controller:
    def __init__(self, outbox, config, clock=utcnow, new_id=None, on_stored=None):
        self.outbox = outbox
        self.clock = clock
        # UUIDv7: time-ordered, so the server's index of ids grows at one end instead of
        # taking a random page per rating (a 500-rating backlog stays fast on a big database)
        self.new_id = new_id or (lambda: str(uuid6.uuid7()))
        self.on_stored = on_stored or (lambda: None)
        self.storage_problem = None
        self.use_config(config)
        self.state = flow.start(self.rules)
        released = outbox.release_all_held()
        if released:
            log.info("released %d rating(s) held when the kiosk stopped on the reasons screen", released)

    def use_config(self, config):
        self.config = config
        self.rules = flow.Rules.from_config(config)

    def rate(self, score, by="tap"):
        return self.handle(flow.Rate(score, self.new_id(), by))

    def handle(self, event):
        state, effects = flow.step(self.rules, self.state, event, self.clock())
        try:
            for effect in effects:
                self._carry_out(effect)
        except (sqlite3.Error, OSError) as problem:
            log.error("could not store a rating: %s", problem)
            self.storage_problem = str(problem)
            return self.state
        self.storage_problem = None
        self.state = state
        if effects:
            self.on_stored()
        return state

    def _carry_out(self, effect):
        if isinstance(effect, flow.Record):
            self.outbox.add(effect.item, held=effect.held)
        elif isinstance(effect, flow.Release):
            self.outbox.release(effect.rating_id, effect.reasons, effect.contact)
        else:
            raise TypeError(f"not a kiosk effect: {effect!r}")
