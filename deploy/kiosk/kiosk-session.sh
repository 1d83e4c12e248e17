#!/bin/sh
# The X session of the kiosk: keep the screen awake, then run the kiosk full screen.
# When the kiosk exits, this script ends, xinit ends, and systemd restarts the whole session.
set -eu
xset s off
xset s noblank
xset -dpms
exec /opt/satisfaction/.venv/bin/python -m kiosk --config /etc/satisfaction-kiosk.toml --fullscreen
