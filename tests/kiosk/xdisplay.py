"""A virtual X display (Xvfb), the real kiosk on it, and xdotool for real key presses and clicks."""

import contextlib
import os
import signal
import subprocess
import sys
import time

from PIL import ImageGrab

from kiosk.faces import hex_to_rgb
from tests.kiosk.appdriver import kiosk_env
from tests.support import ROOT


class Xvfb:
    def __init__(self, width=800, height=480):
        self.size = (width, height)
        self.process = None
        self.display = None

    def __enter__(self):
        read, write = os.pipe()
        self.process = subprocess.Popen(
            # -noreset: without it the server resets whenever its last client leaves, and
            # connections made during the reset fail.
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{self.size[0]}x{self.size[1]}x24",
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(write)
        with os.fdopen(read) as pipe:
            self.display = ":" + pipe.readline().strip()
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait(timeout=10)


class KioskOnScreen:
    """`python -m kiosk ARGS` full screen on an Xvfb display; tests look at it and press its keys."""

    def __init__(self, xvfb, argv, tmp_path, log_name="kiosk.log"):
        self.xvfb, self.argv, self.tmp_path = xvfb, argv, tmp_path
        self.log_path = tmp_path / log_name
        self.process = None

    def start(self, timeout=30):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "kiosk", *self.argv, "--fullscreen"], cwd=ROOT,
                                        env=kiosk_env(self.tmp_path, display=self.xvfb.display), stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.xdotool("mousemove", "5", "5")  # keyboard focus follows the pointer on a bare X server
        return self

    def kill(self):
        """SIGKILL, as a power cut or the OOM killer would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def xdotool(self, *args):
        subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": self.xvfb.display}, check=True,
                       capture_output=True, timeout=20)

    def key(self, name):
        self.xdotool("key", name)

    def grab(self):
        return ImageGrab.grab(xdisplay=self.xvfb.display).convert("RGB")

    def pixels_of(self, colour, image=None):
        image = image or self.grab()
        target = tuple(round(c * 255) for c in (hex_to_rgb(colour) if isinstance(colour, str) else colour))
        width, height = image.size
        data = image.load()
        return [(x, y) for y in range(0, height, 4) for x in range(0, width, 4)
                if all(abs(a - b) <= 2 for a, b in zip(data[x, y], target, strict=True))]

    def wait_for_colour(self, colour, timeout=60, present=True):  # a kiosk starting on a loaded machine
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"kiosk exited: {self.log_path.read_text(errors='replace')[-3000:]}")
            if bool(self.pixels_of(colour)) == present:
                return
            time.sleep(0.2)
        raise AssertionError(f"colour {colour} {'never showed' if present else 'never went'} in {timeout}s")

    def click_colour(self, colour):
        """Click the middle of the area painted in `colour` (a level's button, the send button)."""
        points = self.pixels_of(colour)
        assert points, f"nothing on screen in {colour}"
        x = sorted(p[0] for p in points)[len(points) // 2]
        y = sorted(p[1] for p in points)[len(points) // 2]
        self.click(x, y)

    def click(self, x, y):
        self.xdotool("mousemove", str(x), str(y), "click", "1")
        self.xdotool("mousemove", "5", "5")
