"""Faces that read without text, and colours that keep labels readable (pure geometry).

A face is a disc with two eyes and a mouth whose curve follows the mood: a wide open smile,
a smile, a straight line, a frown, a deep frown under sad brows. The Kivy layer draws
these points; keeping them here lets the tests check that the five moods differ.
"""

MOODS = {"very_unhappy": -2, "unhappy": -1, "neutral": 0, "happy": 1, "very_happy": 2}
INK = (0.13, 0.16, 0.19)
SKIN = (1.0, 0.976, 0.90)


def mood_of(face):
    return MOODS.get(face, 0)


def mouth_curve(mood, cx, cy, r, steps=16):
    """Polyline points [x0, y0, x1, y1, ...] of the mouth; y grows upwards as in Kivy."""
    half_width = r * (0.50 if abs(mood) == 2 else 0.42)
    bend = mood * r * 0.16  # corners this much above (smile) or below (frown) the middle
    base = cy - r * (0.38 if mood >= 0 else 0.46)
    points = []
    for index in range(steps + 1):
        t = -1 + 2 * index / steps
        points += [cx + t * half_width, base + bend * (t * t - 0.5)]
    return points


def open_mouth(mood, cx, cy, r, steps=16):
    """For the happiest face: a filled mouth (a triangle fan from the lips' middle), or None."""
    if mood < 2:
        return None
    curve = mouth_curve(mood, cx, cy, r, steps)
    left, right = (curve[0], curve[1]), (curve[-2], curve[-1])
    centre = ((left[0] + right[0]) / 2, (left[1] + right[1]) / 2)
    return [centre[0], centre[1], *curve]


def eyes(mood, cx, cy, r):
    """Two eyes as (x, y, width, height) ellipses."""
    size = r * 0.17
    height = size * (0.8 if mood <= -2 else 1.25)
    return [(cx + side * r * 0.36 - size / 2, cy + r * 0.18 - height / 2, size, height) for side in (-1, 1)]


def brows(mood, cx, cy, r):
    """Sad brows (inner ends raised) for the unhappiest faces, else none."""
    if mood > -2:
        return []
    return [[cx + side * r * 0.55, cy + r * 0.42, cx + side * r * 0.18, cy + r * 0.56] for side in (-1, 1)]


def hex_to_rgb(colour):
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _luminance(rgb):
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(c) for c in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first, second):
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour(background):
    """White or near-black, whichever reads better on the level's colour (WCAG contrast)."""
    rgb = hex_to_rgb(background)
    return max([(1.0, 1.0, 1.0), INK], key=lambda ink: contrast(ink, rgb))
