"""`python -m kiosk`: pair with the server, or run the kiosk at the counter (see kiosk.options)."""

import logging
import os
import sys

# Kivy reads sys.argv unless told not to, and would choke on --server.
os.environ.setdefault("KIVY_NO_ARGS", "1")

from kiosk import options as kiosk_options  # noqa: E402
from kiosk.client import Client, PairingFailed  # noqa: E402
from kiosk.datadir import DataDir  # noqa: E402


def main(argv=None):
    try:
        options = kiosk_options.load(sys.argv[1:] if argv is None else argv)
        data_dir = DataDir(options.data_dir)
        for warning in options.warnings:
            print(f"kiosk: warning: {warning}", file=sys.stderr)
        if options.pair:
            return pair(options, data_dir)
        if options.save_token:
            return save_token(options, data_dir, sys.stdin)
        server, token = credentials(options, data_dir)
        size = options.window_size
    except kiosk_options.OptionsError as problem:
        print(f"kiosk: {problem}", file=sys.stderr)
        return 2
    return run(options, data_dir, server, token, size)


def pair(options, data_dir):
    if not options.server:
        raise kiosk_options.OptionsError("--pair needs --server URL")
    try:
        answer = Client(options.server).pair(options.pair)
    except PairingFailed as problem:
        print(f"kiosk: pairing failed: {problem}", file=sys.stderr)
        return 1
    placement = {"kiosk_id": answer["kiosk"]["id"], "office": answer["office"]["code"],
                 "counter": answer["counter"]["label"]}
    data_dir.save_credentials(options.server, answer["token"], placement)
    print(f"Paired as kiosk {placement['kiosk_id']} at {placement['office']} / {placement['counter']}; "
          f"token stored in {data_dir.credentials_path}")
    return 0


def save_token(options, data_dir, stream):
    """The setup step for a token from `flask kiosk add`: read from stdin, never from argv."""
    if not options.server:
        raise kiosk_options.OptionsError("--save-token needs --server URL (or server in the config file)")
    lines = [line.strip() for line in stream.read(4096).splitlines() if line.strip()]
    if len(lines) != 1 or len(lines[0]) > 200 or any(c.isspace() for c in lines[0]):
        raise kiosk_options.OptionsError(
            "--save-token reads one token on standard input, e.g. python -m kiosk --server URL --save-token < FILE")
    data_dir.save_credentials(options.server, lines[0], {})
    print(f"Token stored in {data_dir.credentials_path} (mode 0600); start the kiosk without --token")
    return 0


def credentials(options, data_dir):
    stored = data_dir.load_credentials() or {}
    server = options.server or stored.get("server")
    token = options.token or (stored.get("token") if stored.get("server") in (None, server) else None)
    if not server or not token:
        raise kiosk_options.OptionsError(
            "no token stored for this server: pair first (python -m kiosk --server URL --pair CODE) "
            "or store the token from `flask kiosk add` (python -m kiosk --server URL --save-token < FILE)")
    return server, token


class MissingMtdev(logging.Filter):
    """Kivy imports every Linux input provider at start and logs a traceback as an ERROR when
    libmtdev is not installed (kivy/input/providers/__init__.py). The kiosk never uses that
    provider (it reads only the window system's pointer, see [input] below), so the message
    is one INFO line: an ERROR at every start would teach staff to ignore real ones."""

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if record.levelno >= logging.ERROR and isinstance(error, OSError) and "mtdev" in str(error).lower():
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = "Input: MTDev not loaded (libmtdev is not installed; the kiosk does not use it)"
            record.args = ()
            record.exc_info = record.exc_text = None
        return True


def run(options, data_dir, server, token, size):
    from kivy.config import Config
    from kivy.logger import Logger

    Logger.addFilter(MissingMtdev())  # before anything imports kivy.input

    logging.getLogger("urllib3").setLevel(logging.WARNING)  # one line per retry is noise at a counter
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "window_icon", "")
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "1")
    # Only the window system's pointer: a touchscreen read twice (pointer and evdev) taps twice.
    Config.remove_section("input")
    Config.add_section("input")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if options.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "show_cursor", "0")

    from kiosk.outbox import Outbox
    from kiosk.sender import Sender
    from kiosk.ui.app import KioskApp

    outbox = Outbox(data_dir.outbox_path)
    sender = Sender(Client(server, token), data_dir.outbox_path, data_dir, batch_size=options.batch_size,
                    retry_max=options.retry_max_seconds)
    KioskApp(outbox, data_dir.load_config(), sender, server_url=server).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
