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
        if options.pair:
            return pair(options, data_dir)
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


def credentials(options, data_dir):
    stored = data_dir.load_credentials() or {}
    server = options.server or stored.get("server")
    token = options.token or (stored.get("token") if stored.get("server") in (None, server) else None)
    if not server or not token:
        raise kiosk_options.OptionsError(
            "give --server URL and --token TOKEN (or pair first: python -m kiosk --server URL --pair CODE)")
    return server, token


def run(options, data_dir, server, token, size):
    from kivy.config import Config

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
