"""Satisfaction figures from counts per score: the arithmetic (pure; the charts that draw
them are dashboards.charts).

- satisfaction_rate: Decision 766/QĐ-TTg's ratio, (responses − dissatisfied) / responses.
- csat: the share of responses in the scale's top two levels.
- mean_score: the average score.
- satisfaction_ci95: the 95 % Wilson interval of the satisfaction rate, so a rate from a
  handful of ratings shows how little it says.
"""

import math

Z95 = 1.959963984540054


def wilson_interval(successes, total, z=Z95):
    if total == 0:
        return None
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def summarise(counts, scale):
    """Figures for one group of ratings; `counts` maps score -> number of ratings."""
    responses = sum(counts.get(score, 0) for score in scale.scores)
    dissatisfied = sum(counts.get(score, 0) for score in scale.dissatisfied_scores)
    top_two = sum(counts.get(score, 0) for score in scale.top_two)
    total_score = sum(score * counts.get(score, 0) for score in scale.scores)
    satisfied = responses - dissatisfied
    return {
        "responses": responses,
        "counts": {str(score): counts.get(score, 0) for score in scale.scores},
        "satisfaction_rate": round(satisfied / responses, 4) if responses else None,
        "satisfaction_ci95": wilson_interval(satisfied, responses),
        "csat": round(top_two / responses, 4) if responses else None,
        "mean_score": round(total_score / responses, 4) if responses else None,
    }
