"""The SMS channel's metrics, served on /metrics through server.observability.add_metrics."""

from prometheus_client import Counter

SMS_MESSAGES = Counter("satisfaction_sms_messages", "Outgoing SMS by outcome (sent, failed, unknown, opted_out).",
                       ["outcome"])
