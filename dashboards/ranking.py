"""Fair comparisons (pure): rank only what has enough ratings, by what the ratings can prove.

An office or officer with fewer than `min_n` ratings is put apart, unranked: a handful of
votes says little. The rest are ranked by the lower end of the 95 % Wilson interval of the
Decision 766 rate, so a 100 % from 31 ratings does not outrank 97 % from 3,000; where two
intervals overlap the ranking says little, and each entry says whether its interval lies
wholly above or below the overall rate.
"""


def rank(items, min_n, overall_rate=None):
    """(ranked, apart): items are dicts with responses, satisfaction_rate and satisfaction_ci95."""
    enough = [item for item in items if item["responses"] >= min_n and item["satisfaction_ci95"]]
    apart = sorted((item for item in items if item not in enough),
                   key=lambda item: (-item["responses"], item.get("name") or ""))
    enough.sort(key=lambda item: (-item["satisfaction_ci95"][0], -item["satisfaction_rate"], item.get("name") or ""))
    ranked = []
    for position, item in enumerate(enough, start=1):
        low, high = item["satisfaction_ci95"]
        versus = None
        if overall_rate is not None:
            versus = "above" if low > overall_rate else "below" if high < overall_rate else "level"
        ranked.append({**item, "rank": position, "versus": versus})
    return ranked, apart
