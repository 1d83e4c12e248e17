"""Group commit: many threads' writes in one transaction, so one fsync acknowledges them all.

With SQLITE_SYNCHRONOUS=FULL every commit waits for the disk (a few milliseconds here), and
SQLite lets one writer in at a time, so single-rating requests from many kiosks would queue
behind each other's fsyncs. Instead, the first thread to arrive leads: once it has the
writers' turn (other gunicorn workers take it too), it takes every job queued so far, those
that came while it waited among them, runs each in its own savepoint (a failing job is
rolled back alone) inside one transaction, commits once, and hands each thread its own
result. Threads that arrive while it commits form the next group. Nothing is acknowledged
before its commit is on disk.
"""

import threading

from server.db import db_writer_lock


class _Ticket:
    __slots__ = ("job", "result", "error", "finished")

    def __init__(self, job):
        self.job, self.result, self.error, self.finished = job, None, None, False

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit:
    def __init__(self):
        self._condition = threading.Condition()
        self._queue = []
        self._leading = False

    def run(self, db, job):
        """Run `job(db)` in a write transaction shared with other threads' jobs; its result or its error."""
        ticket = _Ticket(job)
        with self._condition:
            self._queue.append(ticket)
            while self._leading and not ticket.finished:
                self._condition.wait()
            if ticket.finished:
                return ticket.outcome()
            self._leading = True
        try:
            _execute(db, self._take)
        finally:
            with self._condition:
                self._leading = False
                self._condition.notify_all()
        return ticket.outcome()

    def _take(self):
        """Every job queued so far (the leader's own among them): taken once the leader has
        the writer's turn, so that jobs arriving while it waited for another process's
        commit join this group instead of waiting for the next."""
        with self._condition:
            group, self._queue = self._queue, []
        return group


def _execute(db, take):
    group = None
    try:
        with db_writer_lock(db):  # take turns with the other processes' writers
            group = take()
            _transaction(db, group)
    except BaseException as error:  # no turn, or the commit failed: nobody's work is stored
        if group is None:
            group = take()
        for ticket in group:
            ticket.result, ticket.error = None, ticket.error or error
        if not isinstance(error, Exception):
            raise
    finally:
        for ticket in group or ():
            ticket.finished = True


def _transaction(db, group):
    conn = db.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
        if len(group) == 1:
            _alone(db, group[0])
            return
        for ticket in group:
            conn.execute("SAVEPOINT job")
            try:
                ticket.result = ticket.job(db)
            except Exception as error:  # this job alone is undone; the others go on
                ticket.error = error
                if not conn.in_transaction:
                    # SQLite rolled back the whole transaction itself (disk full, I/O error):
                    # the group is lost, and the storage error is what everyone must hear.
                    raise
                conn.execute("ROLLBACK TO job")
            conn.execute("RELEASE job")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise


def _alone(db, ticket):
    """A group of one: its transaction is its savepoint (two statements fewer, the common case
    in a quiet centre); a failing job is rolled back whole, as its savepoint would have been."""
    conn = db.conn
    try:
        ticket.result = ticket.job(db)
    except Exception as error:
        ticket.error = error
        if conn.in_transaction:
            conn.rollback()
        return
    conn.execute("COMMIT")
