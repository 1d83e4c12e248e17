#!/bin/bash
# Install the kiosk on Raspberry Pi OS (Bookworm, Lite or Desktop), as root:
#   sudo deploy/kiosk/install.sh --server https://hailong.example.gov.vn --pair K7QX-3MZP-A2BC
#   sudo deploy/kiosk/install.sh --server URL --token-file FILE   # a token from `flask kiosk add`
# Safe to re-run: it updates the app and the units and keeps the data folder and token.
# The token goes to /var/lib/satisfaction-kiosk/credentials.json (mode 0600) and is never on
# a command line, where every user of the Pi could read it (ps).
set -euo pipefail
SERVER="" CODE="" TOKEN_FILE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --server) SERVER="$2"; shift 2 ;;
    --pair) CODE="$2"; shift 2 ;;
    --token-file) TOKEN_FILE="$2"; shift 2 ;;
    *) echo "usage: $0 --server URL [--pair CODE | --token-file FILE]" >&2; exit 2 ;;
  esac
done
[ -n "$SERVER" ] || { echo "give --server URL" >&2; exit 2; }
HERE="$(cd "$(dirname "$0")/../.." && pwd)"

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  python3 python3-venv xserver-xorg xserver-xorg-legacy xinit x11-xserver-utils libmtdev1 >/dev/null

timedatectl set-timezone Asia/Ho_Chi_Minh || true
id kiosk >/dev/null 2>&1 || useradd --create-home --groups video,input,tty,render kiosk
mkdir -p /opt/satisfaction /var/lib/satisfaction-kiosk
rsync -a --delete --exclude .venv --exclude instance --exclude test-artifacts "$HERE/" /opt/satisfaction/
python3 -m venv /opt/satisfaction/.venv
/opt/satisfaction/.venv/bin/pip install --quiet -r /opt/satisfaction/requirements.txt
chown -R kiosk:kiosk /var/lib/satisfaction-kiosk

if [ ! -f /etc/satisfaction-kiosk.toml ]; then
  sed "s|^server = .*|server = \"$SERVER\"|" /opt/satisfaction/deploy/kiosk/kiosk.toml.example > /etc/satisfaction-kiosk.toml
fi
install -m 644 /opt/satisfaction/deploy/kiosk/Xwrapper.config /etc/X11/Xwrapper.config
if [ -n "$CODE" ]; then
  sudo -u kiosk /opt/satisfaction/.venv/bin/python -m kiosk --config /etc/satisfaction-kiosk.toml --pair "$CODE"
elif [ -n "$TOKEN_FILE" ]; then
  sudo -u kiosk /opt/satisfaction/.venv/bin/python -m kiosk --config /etc/satisfaction-kiosk.toml --save-token \
    < "$TOKEN_FILE"
fi

# The console must not blank either (the kernel's own screen saver).
grep -q consoleblank=0 /boot/firmware/cmdline.txt 2>/dev/null || sed -i '1 s/$/ consoleblank=0/' /boot/firmware/cmdline.txt || true
for unit in satisfaction-kiosk.service kiosk-screen-on.service kiosk-screen-off.service \
            kiosk-screen-on.timer kiosk-screen-off.timer; do
  install -m 644 "/opt/satisfaction/deploy/kiosk/$unit" "/etc/systemd/system/$unit"
done
systemctl daemon-reload
systemctl set-default graphical.target
systemctl enable --now satisfaction-kiosk.service kiosk-screen-on.timer kiosk-screen-off.timer
echo "Kiosk installed; it starts at boot on tty7. Logs: journalctl -u satisfaction-kiosk"
