#!/bin/sh
# Turn the kiosk's screen on for office hours or off after them: kiosk-screen.sh on|off
# Run by kiosk-screen-on.timer and kiosk-screen-off.timer as the kiosk user.
set -eu
export DISPLAY="${DISPLAY:-:0}"
case "${1:-}" in
  on)  xset dpms force on; xset -dpms; xset s reset ;;
  off) xset +dpms; xset dpms force off ;;
  *)   echo "usage: $0 on|off" >&2; exit 2 ;;
esac
