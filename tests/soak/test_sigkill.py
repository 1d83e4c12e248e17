"""The whole server SIGKILLed mid-stream and restarted while the real kiosk outbox and sender
keep retrying, and some answers never reach their kiosk: nothing acknowledged is lost,
nothing is counted twice, and the stats agree with what the kiosks were told."""

from soak import scenarios


def test_sigkill_and_lost_answers_lose_nothing_and_count_nothing_twice(tmp_path):
    report = scenarios.kills(tmp_path, kills=2, kiosks=4, rate=4.0, sms_rate=3.0, spacing=(1.5, 2.5), workers=2,
                             lose_share=0.1)
    assert report.failures == {}, "\n".join(report.lines())
    assert report.figures["SIGKILLs of the whole server (master and workers)"] == 2
    assert report.figures["ratings acknowledged in the last second before a kill"] > 0
    # lost answers were re-sent and the server recognised them
    assert report.figures["answers lost, so re-sent and acknowledged as duplicate"] > 0
    assert report.figures["SMS ratings acknowledged"] > 3
