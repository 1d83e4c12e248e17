"""The trend as a PNG for documents (pure: Pillow only, no browser, nothing leaves the server).

A Word or PDF report cannot run plotly, so the quarterly report draws its trend here: the
Decision 766 rate by month with its 95 % band, the target line, the number of ratings as
bars, and the months of the quarter picked out. The same round ticks as the page's chart
(`charts.rate_ticks`), so the two read alike.
"""

import io
import os

from PIL import Image, ImageDraw, ImageFont

from dashboards.charts import RATE_COLOUR, VOLUME_COLOUR, rate_ticks
from dashboards.labels import percent

FONT_FILES = ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
WIDTH, HEIGHT = 1600, 720
LEFT, RIGHT, TOP, BOTTOM = 150, 130, 40, 150


def _font(size):
    for path in FONT_FILES:
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _rgb(colour, alpha=255):
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4)) + (alpha,)


def _dashed(draw, start, end, fill, width, dash=14):
    (x0, y0), (x1, y1) = start, end
    length = max(abs(x1 - x0), abs(y1 - y0)) or 1
    for offset in range(0, int(length), dash * 2):
        a, b = offset / length, min(offset + dash, length) / length
        draw.line([(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a), (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)],
                  fill=fill, width=width)


def trend_png(rows, names, language, highlight=(), target=None, labels=None):
    """PNG bytes of the trend: `rows` as the stats API gives them (one office, by month),
    `names` the reader's period names, `highlight` the periods of the report."""
    labels = labels or {}
    image = Image.new("RGBA", (WIDTH, HEIGHT), "white")
    overlay = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    draw, shade = ImageDraw.Draw(image), ImageDraw.Draw(overlay)
    small, normal = _font(24), _font(28)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if not rows:
        draw.text((WIDTH / 2, HEIGHT / 2), labels.get("empty", "–"), fill="#555555", font=normal, anchor="mm")
        return _png(image)
    span, ticks = rate_ticks([r["satisfaction_ci95"][0] for r in rows if r.get("satisfaction_ci95")]
                             + [r["csat"] for r in rows] + ([target] if target else []))
    most = max(r["responses"] for r in rows) or 1
    step = plot_w / len(rows)

    def y_rate(value):
        return TOP + plot_h * (1 - (value - span[0]) / (span[1] - span[0]))

    def x_mid(index):
        return LEFT + step * (index + 0.5)

    for index, row in enumerate(rows):
        if row["period"] in highlight:
            shade.rectangle([LEFT + step * index, TOP, LEFT + step * (index + 1), TOP + plot_h],
                            fill=_rgb("#fff3c4", 150))
    image = Image.alpha_composite(image, overlay)
    draw = ImageDraw.Draw(image)
    for tick in ticks:
        y = y_rate(tick)
        draw.line([(LEFT, y), (LEFT + plot_w, y)], fill="#e2e2e2", width=2)
        draw.text((LEFT - 12, y), percent(tick, language, digits=0), fill="#333333", font=small, anchor="rm")
    for index, row in enumerate(rows):
        height = plot_h * 0.9 * row["responses"] / most
        draw.rectangle([x_mid(index) - step * 0.32, TOP + plot_h - height, x_mid(index) + step * 0.32, TOP + plot_h],
                       fill=_rgb(VOLUME_COLOUR))
        draw.text((x_mid(index), TOP + plot_h + 14), names[row["period"]], fill="#333333", font=small, anchor="mt")
        draw.text((x_mid(index), TOP + plot_h - height - 6), f"{row['responses']:,}".replace(
            ",", "." if language == "vi" else ","), fill="#555555", font=_font(20), anchor="mb")
    band = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    with_ci = [(i, r) for i, r in enumerate(rows) if r.get("satisfaction_ci95")]
    if len(with_ci) > 1:
        upper = [(x_mid(i), y_rate(r["satisfaction_ci95"][1])) for i, r in with_ci]
        lower = [(x_mid(i), y_rate(r["satisfaction_ci95"][0])) for i, r in reversed(with_ci)]
        ImageDraw.Draw(band).polygon(upper + lower, fill=_rgb(RATE_COLOUR, 45))
    image = Image.alpha_composite(image, band)
    draw = ImageDraw.Draw(image)
    if target:
        _dashed(draw, (LEFT, y_rate(target)), (LEFT + plot_w, y_rate(target)), "#b2182b", 3)
        draw.text((LEFT + 8, y_rate(target) - 6), f"{labels.get('target', 'Target')} {percent(target, language, 0)}",
                  fill="#b2182b", font=small, anchor="lb")
    points = [(x_mid(i), y_rate(r["satisfaction_rate"])) for i, r in enumerate(rows)]
    for (a, b), row in zip(zip(points, points[1:], strict=False), rows[1:], strict=False):
        if row.get("partial"):
            _dashed(draw, a, b, RATE_COLOUR, 5, dash=8)
        else:
            draw.line([a, b], fill=RATE_COLOUR, width=6)
    for (x, y), row in zip(points, rows, strict=True):
        draw.ellipse([x - 9, y - 9, x + 9, y + 9], fill="white" if row.get("partial") else RATE_COLOUR,
                     outline=RATE_COLOUR, width=4)
        draw.text((x, y - 16), percent(row["satisfaction_rate"], language), fill=RATE_COLOUR, font=small,
                  anchor="mb")
    draw.line([(LEFT, TOP + plot_h), (LEFT + plot_w, TOP + plot_h)], fill="#888888", width=2)
    legend_y = HEIGHT - 40
    draw.line([(LEFT, legend_y), (LEFT + 50, legend_y)], fill=RATE_COLOUR, width=6)
    draw.text((LEFT + 60, legend_y), labels.get("rate", "Satisfaction rate"), fill="#333333", font=small,
              anchor="lm")
    draw.rectangle([LEFT + 560, legend_y - 12, LEFT + 600, legend_y + 12], fill=_rgb(VOLUME_COLOUR))
    draw.text((LEFT + 610, legend_y), labels.get("responses", "Responses"), fill="#333333", font=small, anchor="lm")
    draw.rectangle([LEFT + 900, legend_y - 12, LEFT + 940, legend_y + 12], fill=_rgb(RATE_COLOUR, 60))
    draw.text((LEFT + 950, legend_y), labels.get("band", "95 % interval"), fill="#333333", font=small, anchor="lm")
    return _png(image)


def _png(image):
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()
