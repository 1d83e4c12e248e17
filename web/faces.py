"""The kiosk's faces as inline SVG for the phone page (pure).

The geometry is the kiosk's (kiosk/faces.py), drawn in a 100x100 box; SVG's y grows
downwards where Kivy's grows upwards, hence the flip. Inline: no extra request, a few
hundred bytes a face.
"""

import functools

from kiosk import faces

SIZE = 100
R = 46


def _y(y):
    return round(SIZE - y, 1)


def _points(flat):
    return " ".join(f"{round(flat[i], 1)},{_y(flat[i + 1])}" for i in range(0, len(flat), 2))


def _hex(rgb):
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


INK, SKIN = _hex(faces.INK), _hex(faces.SKIN)


@functools.lru_cache(maxsize=32)  # pure, and a page draws four: a quarter of the page's time
def face_svg(face):
    """The face on the kiosk's skin colour with its ink; the level's colour is the button's."""
    mood, cx, cy = faces.mood_of(face), SIZE / 2, SIZE / 2
    parts = [f'<svg class="face" viewBox="0 0 {SIZE} {SIZE}" aria-hidden="true" focusable="false">',
             f'<circle cx="50" cy="50" r="{R}" fill="{SKIN}" stroke="{INK}" stroke-width="3"/>']
    feature = INK
    for x, y, width, height in faces.eyes(mood, cx, cy, R):
        parts.append(f'<ellipse cx="{round(x + width / 2, 1)}" cy="{_y(y + height / 2)}" rx="{round(width / 2, 1)}" '
                     f'ry="{round(height / 2, 1)}" fill="{feature}"/>')
    for brow in faces.brows(mood, cx, cy, R):
        parts.append(f'<polyline points="{_points(brow)}" fill="none" stroke="{feature}" stroke-width="4" '
                     'stroke-linecap="round"/>')
    opened = faces.open_mouth(mood, cx, cy, R)
    if opened:
        parts.append(f'<polygon points="{_points(opened[2:])}" fill="{feature}"/>')
    else:
        parts.append(f'<polyline points="{_points(faces.mouth_curve(mood, cx, cy, R))}" fill="none" '
                     f'stroke="{feature}" stroke-width="5" stroke-linecap="round"/>')
    parts.append("</svg>")
    return "".join(parts)
