"""The kiosk's own widgets: faces and a check mark drawn with canvas instructions, and buttons.

Drawing lives here (kv cannot loop over a mouth's points); layout and looks live in the kv files.
"""

from kivy.graphics import Color, Ellipse, Line, Mesh
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk import faces


def _centre(widget):
    """From x, y and size: `center` is a cached alias that may not have caught up inside a pos callback."""
    return widget.x + widget.width / 2, widget.y + widget.height / 2


class Face(Widget):
    """A face that says its level without words: the bigger the smile, the better."""
    face = StringProperty("neutral")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, face=self.redraw)

    def redraw(self, *_):
        self.canvas.clear()
        mood = faces.mood_of(self.face)
        r = min(self.width, self.height) / 2 * 0.96
        cx, cy = _centre(self)
        thickness = max(1.5, r * 0.07)
        with self.canvas:
            Color(*faces.SKIN)
            Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
            Color(*faces.INK)
            Line(circle=(cx, cy, r), width=max(1.0, r * 0.035))
            for x, y, w, h in faces.eyes(mood, cx, cy, r):
                Ellipse(pos=(x, y), size=(w, h))
            for brow in faces.brows(mood, cx, cy, r):
                Line(points=brow, width=thickness * 0.8, cap="round")
            mouth = faces.open_mouth(mood, cx, cy, r)
            if mouth:
                vertices = []
                for i in range(0, len(mouth), 2):
                    vertices += [mouth[i], mouth[i + 1], 0, 0]
                Color(0.55, 0.12, 0.12)
                Mesh(vertices=vertices, indices=list(range(len(mouth) // 2)), mode="triangle_fan")
                Color(*faces.INK)
            Line(points=faces.mouth_curve(mood, cx, cy, r), width=thickness, cap="round", joint="round")


class CheckMark(Widget):
    """A green disc with a white tick: 'received', understood without reading."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw)

    def redraw(self, *_):
        self.canvas.clear()
        r = min(self.width, self.height) / 2
        cx, cy = _centre(self)
        with self.canvas:
            Color(0.10, 0.60, 0.31)
            Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
            Color(1, 1, 1)
            Line(points=[cx - r * 0.45, cy, cx - r * 0.12, cy - r * 0.33, cx + r * 0.48, cy + r * 0.32],
                 width=max(2, r * 0.1), cap="round", joint="round")


class RatingButton(ButtonBehavior, FloatLayout):
    """One level of the scale: its colour, its face, its label and the key that gives it."""
    score = NumericProperty(0)
    face = StringProperty("neutral")
    label = StringProperty("")
    colour = ListProperty([0.5, 0.5, 0.5, 1])
    ink = ListProperty([1, 1, 1, 1])


class ReasonToggle(ButtonBehavior, BoxLayout):
    """A reason a citizen can pick; `chosen` mirrors the flow's state, not the widget's."""
    code = StringProperty("")
    label = StringProperty("")
    chosen = BooleanProperty(False)
    font_scale = NumericProperty(0.95)  # of app.u
    minimum_label_height = NumericProperty(0)  # the label's wrapped text, for a toggle that grows with it


class PillButton(ButtonBehavior, Label):
    """Language choices, send and skip: big enough for a thumb."""
    current = BooleanProperty(False)
    fill = ListProperty([0.85, 0.87, 0.9, 1])
    code = StringProperty("")


class StatusLine(BoxLayout):
    """For staff: online or offline and how many ratings wait."""
    text = StringProperty("")
    online = BooleanProperty(False)
