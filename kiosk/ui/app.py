"""The Kivy app: renders the controller's state and forwards taps, keys and clock ticks to it.

Nothing here decides anything (see kiosk.flow). The sender runs in its own thread and
reaches the widgets only through `Clock.schedule_once`.
"""

import functools
import logging
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, DictProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

from kiosk import faces, flow, texts
from kiosk.controller import Controller
from kiosk.ui.widgets import PillButton, RatingButton, ReasonToggle  # noqa: F401 (kv rules use them)

log = logging.getLogger("kiosk")
KV_DIR = Path(__file__).parent
KV_FILES = ("widgets.kv", "waiting.kv", "idle.kv", "reasons.kv", "contact.kv", "thanks.kv")
KEYPAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back")  # the phone keypad, row by row
TICK_SECONDS = 0.25
NUMPAD_DIGITS = {256 + n: n for n in range(10)}  # Kivy's key codes for the keypad's 0..9
ENTER_KEYS = {13, 271}
BACK_KEYS = {27, 8}  # Escape, Backspace: skip the reasons (Escape must never quit the kiosk)
ESCAPE, BACKSPACE = 27, 8


class WaitingScreen(Screen):
    pass


class IdleScreen(Screen):
    pass


class ReasonsScreen(Screen):
    pass


class ContactScreen(Screen):
    pass


class ThanksScreen(Screen):
    def on_touch_down(self, touch):
        App.get_running_app().dismiss()
        return True


class KioskApp(App):
    u = NumericProperty(20)  # the layout unit in pixels: grows with the screen
    portrait = BooleanProperty(False)
    texts = DictProperty(texts.texts_for(None, "vi"))
    office_name = StringProperty("")
    placement = StringProperty("")
    server_url = StringProperty("")
    status_text = StringProperty("")
    online = BooleanProperty(False)
    pending_face = StringProperty("unhappy")
    reasons_time_left = NumericProperty(1.0)
    asks_contact = BooleanProperty(False)  # the server reads a number left on the reasons screen
    contact_summary = StringProperty("")  # the reasons screen's field
    contact_display = StringProperty("")  # the number typed, grouped for reading
    contact_message = StringProperty("")  # why Send did not go
    contact_consent = BooleanProperty(False)
    consent_text = StringProperty("")

    def __init__(self, outbox, config=None, sender=None, server_url="", **kwargs):
        super().__init__(**kwargs)
        self.title = "Đánh giá sự hài lòng"
        self.outbox, self.sender, self.server_url = outbox, sender, server_url
        self.initial_config, self.pending_config = config, None
        self.controller, self.status, self.shown_language = None, None, None
        self.idle_shown_once = False

    # --- building --------------------------------------------------------------------------
    def build(self):
        for name in KV_FILES:
            Builder.load_file(str(KV_DIR / name))
        self.screens = ScreenManager(transition=NoTransition())
        for screen in (WaitingScreen(name="waiting"), IdleScreen(name="idle"), ReasonsScreen(name="reasons"),
                       ContactScreen(name="contact"), ThanksScreen(name="thanks")):
            self.screens.add_widget(screen)
        keypad = self.screens.get_screen("contact").ids.keypad
        for code in KEYPAD:
            keypad.add_widget(Factory.KeypadKey(code=code))
        Window.bind(on_key_down=self.on_key_down, size=self.on_window_size)
        self.on_window_size(Window, Window.size)
        if self.initial_config is not None:
            self.use_config(self.initial_config)
        else:
            self.show_status(None)
        Clock.schedule_interval(self.tick, TICK_SECONDS)
        return self.screens

    def on_start(self):
        if self.sender is not None:
            self.sender.on_status = lambda status: Clock.schedule_once(functools.partial(self._status_cb, status))
            self.sender.on_config = lambda config: Clock.schedule_once(functools.partial(self._config_cb, config))
            self.sender.start()

    def on_stop(self):
        if self.sender is not None:
            self.sender.stop(timeout=3)

    def on_window_size(self, window, size):
        width, height = size
        self.portrait = height > width
        self.u = max(12.0, min(width, height) / 24 if not self.portrait else min(width / 22, height / 34))

    def _status_cb(self, status, _dt):
        self.show_status(status)

    def _config_cb(self, config, _dt):
        self.use_config(config)

    # --- config and status (from the sender, on the UI thread) ------------------------------
    def use_config(self, config):
        """New config (officer changed, languages added): applied now if idle, else at the next idle."""
        if self.controller is None:
            self.controller = Controller(self.outbox, config, on_stored=self._stored)
        elif self.controller.state.screen != flow.IDLE:
            self.pending_config = config
            return
        else:
            self.controller.use_config(config)
        self._build_levels(config)
        self._build_languages(config)
        self.shown_language = None
        self.render()

    def _stored(self):
        if self.sender is not None:
            self.sender.wake()

    def show_status(self, status):
        self.status = status
        self.online = bool(status and status.online)
        problem = self.controller.storage_problem if self.controller else None
        zone = self.controller.config.get("timezone") if self.controller else None
        self.status_text = texts.status_line(self.texts, status, problem, zone)

    # --- events from the citizen ------------------------------------------------------------
    def rate(self, score, by="tap"):
        if self.controller is not None:
            self.controller.rate(score, by)
            self.render()

    def handle(self, event):
        if self.controller is not None:
            self.controller.handle(event)
            self.render()

    def toggle_reason(self, code):
        self.handle(flow.ToggleReason(code))

    def send(self):
        self.handle(flow.Send())

    def skip(self):
        self.handle(flow.Skip())

    def dismiss(self):
        self.handle(flow.Dismiss())

    def open_contact(self):
        self.handle(flow.OpenContact())

    def close_contact(self):
        self.handle(flow.CloseContact())

    def press_key(self, code):
        self.handle(flow.Digit(code))

    def toggle_consent(self):
        self.handle(flow.ToggleConsent())

    def choose_language(self, code):
        self.handle(flow.ChooseLanguage(code))

    def tick(self, _dt=None):
        self.handle(flow.Tick())
        if self.pending_config is not None and self.controller and self.controller.state.screen == flow.IDLE:
            config, self.pending_config = self.pending_config, None
            self.use_config(config)

    def on_key_down(self, _window, key, _scancode, codepoint, _modifiers):
        digit = NUMPAD_DIGITS.get(key)
        if digit is None and codepoint and codepoint.isdigit():
            digit = int(codepoint)
        if self.controller is not None and self.controller.state.contact_open:
            # The keypad is open: keys type the number (Backspace deletes, Escape goes back).
            if digit is not None:
                self.press_key(str(digit))
            elif key == BACKSPACE:
                self.press_key("back")
            elif key == ESCAPE:
                self.close_contact()
            elif key in ENTER_KEYS:
                self.send()
            else:
                return False
            return True
        if digit is not None:
            self.rate(digit, by="key")
            return True
        if key in ENTER_KEYS:
            self.send()
            return True
        if key in BACK_KEYS:
            self.skip()
            return True
        return False

    # --- rendering the state ----------------------------------------------------------------
    def render(self):
        if self.controller is None:
            self.screens.current = "waiting"
            return
        state = self.controller.state
        if state.language != self.shown_language:
            self._show_language(state.language)
        if state.screen == flow.REASONS:
            self._show_reasons(state)
        self.screens.current = "contact" if state.screen == flow.REASONS and state.contact_open else state.screen
        if state.screen == flow.IDLE and not self.idle_shown_once:
            self.idle_shown_once = True
            log.info("Kiosk: idle screen shown")

    def _show_language(self, language):
        config = self.controller.config
        self.shown_language = language
        self.texts = texts.texts_for(config, language)
        self.office_name = config["office"]["name"]
        counter = texts.counter_name(config, language)
        staff = config.get("staff") or {}
        self.placement = counter + (f"  ·  {self.texts['officer']}: {staff['name']}" if staff.get("name") else "")
        by_score = {level["score"]: level for level in config["scale"]}
        for button in self.screens.get_screen("idle").ids.levels.children:
            button.label = texts.label(by_score[button.score]["labels"], language)
        labels = {reason["code"]: reason["labels"] for reason in config.get("reasons", [])}
        for toggle in self.screens.get_screen("reasons").ids.reasons.children:
            toggle.label = texts.label(labels[toggle.code], language)
        for button in self.screens.get_screen("idle").ids.languages.children:
            button.current = button.code == language
        for key in self.screens.get_screen("contact").ids.keypad.children:
            words = {"back": self.texts["contact_delete"], "clear": self.texts["contact_clear"]}
            key.text = words.get(key.code, key.code)
        self.asks_contact = self.controller.rules.asks_contact
        self.consent_text = texts.consent_line(self.texts, self.controller.rules.contact_retention_days)
        self.show_status(self.status)

    def _show_reasons(self, state):
        rules = self.controller.rules
        for toggle in self.screens.get_screen("reasons").ids.reasons.children:
            toggle.chosen = toggle.code in state.reasons
        level = next((lv for lv in self.controller.config["scale"] if lv["score"] == state.pending_score), None)
        self.pending_face = level["face"] if level else "unhappy"
        if state.since is not None:
            elapsed = (self.controller.clock() - state.since).total_seconds()
            self.reasons_time_left = max(0.0, min(1.0, 1 - elapsed / flow.reasons_timeout(rules, state)))
        self.contact_display = texts.grouped(state.contact)
        self.contact_consent = state.consent
        self.contact_message = {"invalid": self.texts["contact_invalid"],
                                "consent": self.texts["contact_consent_needed"]}.get(state.contact_problem, "")
        if not state.contact:
            self.contact_summary = self.texts["contact_field"]
        else:
            agreed = self.texts[{None: "contact_agreed", "invalid": "contact_fix"}.get(
                flow.contact_problem(state), "contact_not_agreed")]
            self.contact_summary = f"{self.texts['contact_number']}: {self.contact_display}  ·  {agreed}"

    def _build_levels(self, config):
        box = self.screens.get_screen("idle").ids.levels
        box.clear_widgets()
        for level in config["scale"]:  # best first, as the server orders them
            colour = faces.hex_to_rgb(level["colour"])
            button = RatingButton(score=level["score"], face=level.get("face", "neutral"),
                                  colour=[*colour, 1], ink=[*faces.text_colour(level["colour"]), 1])
            button.bind(on_release=lambda b: self.rate(b.score))
            box.add_widget(button)
        reasons = self.screens.get_screen("reasons").ids.reasons
        reasons.clear_widgets()
        for reason in config.get("reasons", []):
            toggle = ReasonToggle(code=reason["code"])
            toggle.bind(on_release=lambda t: self.toggle_reason(t.code))
            reasons.add_widget(toggle)

    def _build_languages(self, config):
        box = self.screens.get_screen("idle").ids.languages
        box.clear_widgets()
        languages = config.get("languages", [])
        if len(languages) < 2:
            return
        for language in languages:
            box.add_widget(Factory.LanguageButton(text=language["name"], code=language["code"]))
