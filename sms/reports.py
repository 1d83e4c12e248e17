"""The SMS funnel for the dashboards: invited, sent, delivered, replied, opted out, cost."""

import json

FIELDS = ("invited", "queued", "capped", "sent", "delivered", "failed", "replied", "opted_out", "segments")


def funnel(db, office_ids, start, end):
    """Counts for invitations of `office_ids` created on local dates `start`..`end` (inclusive).

    invited: every invitation asked for; capped: refused by the frequency cap; queued: not
    sent yet; sent: taken by Twilio (or kept in the outbox without Twilio); delivered,
    failed (failed, undelivered, or unknown: no answer from Twilio, never re-sent), replied
    (a rating came back), opted_out (the number had opted out, opted out in reply, or Twilio
    said 21610); segments: SMS segments paid for, invitations and the replies in their
    conversations.
    """
    ids = json.dumps(sorted({int(office_id) for office_id in office_ids}))
    row = db.execute(
        """SELECT COUNT(*),
                  COALESCE(SUM(status = 'queued' AND sent_at IS NULL), 0),
                  COALESCE(SUM(status = 'capped'), 0),
                  COALESCE(SUM(sent_at IS NOT NULL), 0),
                  COALESCE(SUM(status = 'delivered'), 0),
                  COALESCE(SUM(status IN ('failed', 'undelivered', 'unknown')), 0),
                  COALESCE(SUM(replied_at IS NOT NULL), 0),
                  COALESCE(SUM(opted_out = 1 OR status = 'opted_out'), 0),
                  COALESCE(SUM(reply_segments), 0)
           FROM sms_invitations
           WHERE office_id IN (SELECT value FROM json_each(?)) AND local_day BETWEEN ? AND ?""",
        [ids, start.isoformat(), end.isoformat()]).fetchone()
    *counts, reply_segments = row
    sent_segments = db.execute(
        """SELECT COALESCE(SUM(m.segments), 0) FROM sms_messages m JOIN sms_invitations i ON i.id = m.invitation_id
           WHERE m.sent_at IS NOT NULL AND i.office_id IN (SELECT value FROM json_each(?))
             AND i.local_day BETWEEN ? AND ?""",
        [ids, start.isoformat(), end.isoformat()]).fetchone()[0]
    return dict(zip(FIELDS, [*counts, sent_segments + reply_segments], strict=True))
