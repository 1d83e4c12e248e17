"""Drive the real kiosk app (python -m kiosk) with kivy.tests touches, in its own process.

    python -m tests.kiosk.headless PLAN.json

PLAN: {"argv": [kiosk arguments], "result": "out.json", "steps": [...]}. Steps, in order:
  {"tap": ["level", 4]} | {"tap": ["reason", "fees"]} | {"tap": ["send"]} | {"tap": ["skip"]}
  | {"tap": ["language", "en"]} | {"tap": ["screen"]}   touch down and up on that widget's centre
  | {"tap": ["contact_field"]} | {"tap": ["keypad", "0"]} (or "back", "clear") | {"tap": ["consent"]}
  | {"tap": ["contact_send"]} | {"tap": ["contact_back"]}   the phone number's field and keypad
  {"key": "1"} | {"key": "numpad1"} | {"key": "enter"} | {"key": "escape"}   a key event to the window
  {"advance": seconds}   move the flow's clock on (timeouts without waiting) and tick
  {"wait": seconds}      real time, for the sender or the clock
  {"until": "sent" | "idle" | ..., "timeout": 30}   wait until the outbox is empty / that screen shows
  {"size": [w, h]}       resize the window
  {"shot": "path.png"}   save what the window shows
  {"record": "label"}    note the screen, texts, outbox and any label whose text does not fit
  {"memory": "label"}    note the process's resident memory
  {"timed_tap": ["level", 4]}  a tap, timed until the next frame is drawn (for make bench)
  {"repeat": n, "steps": [...]}

This is test tooling, not part of the kiosk: it runs the app exactly as `python -m kiosk`
does and only adds input, screenshots and a virtual clock for the flow's timeouts.
"""

import datetime as dt
import json
import os
import sys
import traceback

os.environ.setdefault("KIVY_NO_ARGS", "1")

KEYS = {"enter": (13, ""), "escape": (27, ""), "backspace": (8, ""),
        **{f"numpad{n}": (256 + n, "") for n in range(10)}, **{str(n): (48 + n, str(n)) for n in range(10)}}


class VirtualClock:
    def __init__(self):
        self.offset = dt.timedelta()

    def __call__(self):
        return dt.datetime.now(dt.UTC) + self.offset


class Runner:
    def __init__(self, app, plan):
        self.app, self.plan = app, plan
        self.results = {"records": [], "memory": [], "errors": [], "taps": []}
        self.queue = list(plan["steps"])
        self.clock = VirtualClock()

    def start(self, *_):
        from kivy.clock import Clock
        Clock.schedule_once(self.next, 0.3)

    def next(self, *_):
        from kivy.clock import Clock
        if self.app.controller is not None and self.app.controller.clock is not self.clock:
            self.app.controller.clock = self.clock
        if not self.queue:
            return self.finish()
        step = self.queue.pop(0)
        try:
            delay = self.run(step)
        except Exception:  # report and stop: the test shows the traceback
            self.results["errors"].append(f"{step}: {traceback.format_exc()}")
            return self.finish()
        Clock.schedule_once(self.next, delay)

    def run(self, step):
        if "repeat" in step:
            self.queue[:0] = step["steps"] * step["repeat"]
            return 0
        if "tap" in step:
            return self.tap(*step["tap"])
        if "timed_tap" in step:
            return self.timed_tap(*step["timed_tap"])
        if "key" in step:
            from kivy.core.window import Window
            key, codepoint = KEYS[str(step["key"])]
            Window.dispatch("on_key_down", key, 0, codepoint, [])
            Window.dispatch("on_key_up", key, 0)
            return 0.05
        if "advance" in step:
            self.clock.offset += dt.timedelta(seconds=step["advance"])
            self.app.tick()
            return 0.05
        if "wait" in step:
            return step["wait"]
        if "until" in step:
            return self.until(step)
        if "size" in step:
            from kivy.core.window import Window
            Window.size = tuple(step["size"])
            return 0.4
        if "shot" in step:  # let layout and text settle for a few frames first
            self.queue.insert(0, {"shot_now": step["shot"]})
            return 0.3
        if "shot_now" in step:
            return self.shot(step["shot_now"])
        if "record" in step:
            self.results["records"].append(self.record(step["record"]))
            return 0
        if "memory" in step:
            self.results["memory"].append({"label": step["memory"], "rss_kb": rss_kb()})
            return 0
        raise ValueError(f"unknown step {step}")

    def until(self, step):
        import time
        deadline = step.setdefault("deadline", time.monotonic() + step.get("timeout", 30))
        done = (self.app.outbox.queued() == 0 if step["until"] == "sent"
                else self.app.screens.current == step["until"])
        if not done:
            if time.monotonic() > deadline:
                raise TimeoutError(f"not {step['until']} after {step.get('timeout', 30)} s")
            self.queue.insert(0, step)
        return 0.2

    def tap(self, kind, value=None):
        from kivy.core.window import Window
        from kivy.tests.common import UnitTestTouch
        widget = self.find(kind, value)
        x, y = widget.to_window(*widget.center) if widget is not None else (Window.width / 2, Window.height / 2)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        return 0.1

    def timed_tap(self, kind, value=None):
        """Seconds from touch-down to the thank-you being stored and drawn on the next frame."""
        import time

        from kivy.core.window import Window
        started = time.perf_counter()
        self.tap(kind, value)
        handled = time.perf_counter()

        def drawn(*_):
            Window.unbind(on_flip=drawn)
            self.results["taps"].append({"handled": handled - started, "drawn": time.perf_counter() - started,
                                         "screen": self.app.screens.current})
        Window.bind(on_flip=drawn)
        return 0.1

    def find(self, kind, value):
        screens = self.app.screens
        if kind == "screen":
            return None
        if kind == "level":
            return _only(b for b in screens.get_screen("idle").ids.levels.children if b.score == value)
        if kind == "language":
            return _only(b for b in screens.get_screen("idle").ids.languages.children if b.code == value)
        if kind == "reason":
            return _only(t for t in screens.get_screen("reasons").ids.reasons.children if t.code == value)
        if kind in ("send", "skip", "contact_field"):
            return screens.get_screen("reasons").ids[kind]
        if kind == "keypad":
            return _only(k for k in screens.get_screen("contact").ids.keypad.children if k.code == value)
        if kind in ("consent", "contact_send", "contact_back"):
            return screens.get_screen("contact").ids[kind.removeprefix("contact_")]
        raise ValueError(f"nothing to tap called {kind}")

    def shot(self, path):
        # The whole window is the app's root widget; rendering it into a texture shows the tree
        # as it is now (glReadPixels after a buffer swap may return an older frame).
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.app.root.export_to_png(path)
        return 0.05

    def record(self, label):
        app, screens = self.app, self.app.screens
        state = app.controller.state if app.controller else None
        idle, reasons = screens.get_screen("idle"), screens.get_screen("reasons")
        return {
            "label": label, "screen": screens.current, "language": state.language if state else None,
            "question": app.texts.get("question"), "office": app.office_name, "placement": app.placement,
            # what the header's labels show on screen, read from the widget tree
            "header": {"office": idle.ids.office.text, "placement": idle.ids.placement.text},
            "status": app.status_text, "online": app.online,
            "levels": {str(b.score): b.label for b in idle.ids.levels.children},
            "level_order": [b.score for b in reversed(idle.ids.levels.children)],
            "reasons": {t.code: t.label for t in reasons.ids.reasons.children},
            "chosen": sorted(t.code for t in reasons.ids.reasons.children if t.chosen),
            "languages": [b.text for b in reversed(idle.ids.languages.children)],
            "queued": app.outbox.queued(), "outbox": app.outbox.next_batch(10_000),
            "overflowing": overflowing_labels(screens.current_screen),
            "window": list(self._window_size()),
            "faces": [[b.score, list(b.pos), list(b.size), [list(c.pos) + list(c.size) for c in b.children]]
                      for b in idle.ids.levels.children],
            "contact": self.contact_on_screen(),
        }

    def contact_on_screen(self):
        """The phone number's field, keypad and consent line, as the widgets show them."""
        reasons, contact = self.app.screens.get_screen("reasons"), self.app.screens.get_screen("contact")
        field = reasons.ids.contact_field
        return {
            "field": field.text, "field_shown": field.opacity > 0 and field.height > 0,
            "field_size": list(field.size), "field_texture": list(field.texture_size), "field_font": field.font_size,
            "title": contact.ids.title.text, "number": contact.ids.number.text, "message": contact.ids.message.text,
            "consent": contact.ids.consent.label, "consent_ticked": contact.ids.consent.chosen,
            "keys": [[k.text, *k.size] for k in reversed(contact.ids.keypad.children)],
        }

    @staticmethod
    def _window_size():
        from kivy.core.window import Window
        return Window.size

    def finish(self):
        with open(self.plan["result"], "w", encoding="utf-8") as handle:
            json.dump(self.results, handle, ensure_ascii=False, indent=1)
        self.app.stop()


def overflowing_labels(root):
    """Labels whose rendered text is bigger than the space they have: cut-off text on the screen."""
    from kivy.uix.label import Label
    found = []
    for widget in root.walk():
        if isinstance(widget, Label) and widget.text and widget.opacity > 0:
            widget.texture_update()
            text_width, text_height = widget.texture_size
            if text_width > widget.width + 2 or text_height > widget.height + 2:
                found.append({"text": widget.text, "text_size": [text_width, text_height],
                              "box": [widget.width, widget.height]})
    return found


def rss_kb():
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def _only(widgets):
    found = list(widgets)
    if len(found) != 1:
        raise LookupError(f"expected one widget, found {len(found)}")
    return found[0]


def main(plan_path):
    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    # Importing the app here would open the window before the kiosk sets its size (and load
    # Kivy's input providers before the kiosk configures its log): start the runner from the
    # clock instead, once the kiosk's own main loop runs.
    from kivy.clock import Clock

    from kiosk import __main__ as kiosk_main

    runners = []  # Kivy's clock holds callbacks weakly: keep the runner alive

    def begin(_dt):
        from kivy.app import App
        runners.append(Runner(App.get_running_app(), plan))
        runners[0].start()

    Clock.schedule_once(begin, 0)
    return kiosk_main.main(plan["argv"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
