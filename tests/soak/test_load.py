"""Kiosks and Twilio webhooks at once against gunicorn with several workers on one SQLite
file (deploy config, SQLITE_SYNCHRONOUS=FULL as in production): a short `make soak`."""

from soak import scenarios


def report_text(report):
    return "\n".join(report.lines())


def test_kiosks_and_texts_at_once_lose_nothing_lock_nothing_and_fail_nothing(tmp_path):
    report = scenarios.load(tmp_path, seconds=6, kiosks=8, kiosk_rate=24, batch_share=0.08, resend_share=0.05,
                            sms_rate=6, texters=2, stats_rate=1, workers=3, synchronous="FULL")
    assert report.failures == {}, report_text(report)
    # every kind of request was made and answered, and there was something to check
    assert {"kiosk single", "kiosk batch", "kiosk resend", "sms webhook", "stats read"} <= set(report.requests)
    assert report.figures["kiosk ratings checked one by one (by client id)"] > 200
    assert report.figures["SMS ratings acknowledged"] > 10
    assert report.requests["kiosk single"]["rate"] > 5
