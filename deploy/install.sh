#!/usr/bin/env bash
# Install or upgrade the citizen satisfaction server on one Debian machine.
#
#   sudo deploy/install.sh --server-name hailong.dknong.gov.vn [--cert FILE --key FILE]
#   sudo deploy/install.sh --upgrade            # new code, dependencies and migrations, then restart
#
# It installs Debian's packages, a `satisfaction` system user, the code in /opt/satisfaction/app
# with its virtual environment in /opt/satisfaction/.venv, settings in /etc/satisfaction
# (a random SECRET_KEY and NUMBER_HASH_KEY the first time, never overwritten), the database
# in /var/lib/satisfaction, the nginx site, and the systemd units. See docs/deploy.md.
#
# For tests: --root DIR puts every path under DIR and --no-system skips apt, users, systemctl
# and nginx reloads, so the generated files can be checked without touching the machine.
set -euo pipefail

SOURCE=$(cd "$(dirname "$0")/.." && pwd)
ROOT=""
SYSTEM=1
UPGRADE=0
SERVER_NAME=""
CERT=""
KEY=""

usage() { sed -n '2,15p' "$0"; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --server-name) SERVER_NAME=$2; shift 2 ;;
    --cert) CERT=$2; shift 2 ;;
    --key) KEY=$2; shift 2 ;;
    --upgrade) UPGRADE=1; shift ;;
    --root) ROOT=$2; shift 2 ;;
    --no-system) SYSTEM=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

OPT=$ROOT/opt/satisfaction
ETC=$ROOT/etc/satisfaction
DATA=$ROOT/var/lib/satisfaction
BACKUPS=$ROOT/var/backups/satisfaction
NGINX_SITE=$ROOT/etc/nginx/sites-available/satisfaction
UNITS=$ROOT/etc/systemd/system

say() { printf '==> %s\n' "$*"; }
as_root() { if [ "$SYSTEM" = 1 ] && [ "$(id -u)" != 0 ]; then echo "install.sh: run as root" >&2; exit 1; fi; }

system_packages() {
  [ "$SYSTEM" = 1 ] || return 0
  say "Debian packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3 python3-venv nginx openssl sqlite3 rsync ca-certificates >/dev/null
  id satisfaction >/dev/null 2>&1 || useradd --system --home-dir /var/lib/satisfaction --shell /usr/sbin/nologin satisfaction
}

code_and_venv() {
  say "code in $OPT/app"
  mkdir -p "$OPT/app"
  local skip=(--exclude .git --exclude .venv --exclude instance --exclude test-artifacts
              --exclude bench-results --exclude __pycache__)
  if command -v rsync >/dev/null; then
    rsync -a --delete "${skip[@]}" "$SOURCE/" "$OPT/app/"
  else
    tar -C "$SOURCE" "${skip[@]}" -cf - . | tar -C "$OPT/app" -xf -
  fi
  [ "$SYSTEM" = 1 ] || return 0
  if [ ! -x "$OPT/.venv/bin/python" ]; then python3 -m venv "$OPT/.venv"; fi
  "$OPT/.venv/bin/pip" install --quiet --upgrade pip
  "$OPT/.venv/bin/pip" install --quiet -r "$OPT/app/requirements.txt"
}

settings() {
  mkdir -p "$ETC" "$DATA" "$BACKUPS"
  if [ ! -f "$ETC/satisfaction.env" ]; then
    say "settings in $ETC/satisfaction.env (new secrets)"
    local name=${SERVER_NAME:-$(hostname -f 2>/dev/null || hostname)}
    umask 077
    cat > "$ETC/satisfaction.env" <<ENV
# Settings of the satisfaction server (see README.md, Configuration). Read by systemd.
SATISFACTION_SECRET_KEY=$(openssl rand -hex 32)
SATISFACTION_NUMBER_HASH_KEY=$(openssl rand -hex 32)
SATISFACTION_DATABASE=/var/lib/satisfaction/satisfaction.db
SATISFACTION_PUBLIC_BASE_URL=https://$name
SATISFACTION_TRUSTED_PROXIES=1
SATISFACTION_BIND=127.0.0.1:8000
# SATISFACTION_TWILIO_ACCOUNT_SID=
# SATISFACTION_TWILIO_AUTH_TOKEN=
# SATISFACTION_TWILIO_FROM=
# SATISFACTION_SMTP_HOST=
ENV
    umask 022
  fi
  if [ ! -f "$ETC/deploy.env" ]; then
    local name=${SERVER_NAME:-$(hostname -f 2>/dev/null || hostname)}
    cat > "$ETC/deploy.env" <<ENV
# Values for the nginx site template (deploy/nginx/satisfaction.conf).
SERVER_NAME=$name
HTTP_PORT=80
HTTPS_PORT=443
HTTPS_PORT_SUFFIX=
UPSTREAM=127.0.0.1:8000
TLS_CERT=${CERT:-/etc/satisfaction/tls/fullchain.pem}
TLS_KEY=${KEY:-/etc/satisfaction/tls/privkey.pem}
APP_DIR=/opt/satisfaction/app
PLOTLY_JS=/opt/satisfaction/.venv/lib/python3.11/site-packages/plotly/package_data/plotly.min.js
KIOSK_RATE=5r/s
SMS_RATE=20r/s
ACCESS_LOG=/var/log/nginx/satisfaction.access.log
ENV
  fi
  # Keys added to the template since an older install wrote deploy.env.
  grep -q '^ACCESS_LOG=' "$ETC/deploy.env" || echo "ACCESS_LOG=/var/log/nginx/satisfaction.access.log" >> "$ETC/deploy.env"
  if [ "$SYSTEM" = 1 ]; then
    chown root:satisfaction "$ETC/satisfaction.env" && chmod 640 "$ETC/satisfaction.env"
    chown satisfaction:satisfaction "$DATA" "$BACKUPS" && chmod 750 "$DATA" "$BACKUPS"
  fi
}

certificate() {
  # Without a certificate yet, a self-signed one lets everything start; replace it with the
  # province's certificate (or Let's Encrypt) and reload nginx.
  local cert key
  cert=$ROOT$(grep '^TLS_CERT=' "$ETC/deploy.env" | cut -d= -f2)
  key=$ROOT$(grep '^TLS_KEY=' "$ETC/deploy.env" | cut -d= -f2)
  if [ ! -f "$cert" ]; then
    say "self-signed certificate in $(dirname "$cert") (replace it)"
    mkdir -p "$(dirname "$cert")"
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$(grep '^SERVER_NAME=' "$ETC/deploy.env" | cut -d= -f2)" \
      -keyout "$key" -out "$cert" 2>/dev/null
    chmod 600 "$key"
  fi
}

nginx_site() {
  say "nginx site $NGINX_SITE"
  mkdir -p "$(dirname "$NGINX_SITE")"
  local python=$OPT/.venv/bin/python
  [ -x "$python" ] || python=python3
  "$python" "$SOURCE/deploy/render.py" "$SOURCE/deploy/nginx/satisfaction.conf" --env "$ETC/deploy.env" > "$NGINX_SITE.new"
  mv "$NGINX_SITE.new" "$NGINX_SITE"
  if [ "$SYSTEM" = 1 ]; then
    ln -sf "$NGINX_SITE" /etc/nginx/sites-enabled/satisfaction
    rm -f /etc/nginx/sites-enabled/default
    nginx -t
    systemctl reload nginx || systemctl restart nginx
  fi
}

units() {
  say "systemd units in $UNITS"
  mkdir -p "$UNITS"
  cp "$SOURCE"/deploy/systemd/*.service "$SOURCE"/deploy/systemd/*.timer "$UNITS/" 2>/dev/null || \
    cp "$SOURCE"/deploy/systemd/*.service "$UNITS/"
  [ "$SYSTEM" = 1 ] || return 0
  systemctl daemon-reload
  systemctl enable --now satisfaction.service
  for timer in "$UNITS"/satisfaction-*.timer; do
    [ -e "$timer" ] && systemctl enable --now "$(basename "$timer")"
  done
  return 0
}

migrate_and_restart() {
  [ "$SYSTEM" = 1 ] || return 0
  say "migrations and restart"
  (cd "$OPT/app" && sudo -u satisfaction env $(grep -v '^#' "$ETC/satisfaction.env" | xargs) \
    "$OPT/.venv/bin/flask" --app server init-db)
  systemctl restart satisfaction.service
}

as_root
if [ "$UPGRADE" = 1 ]; then
  code_and_venv
  units
  migrate_and_restart
  say "upgraded; check: curl -fsS http://127.0.0.1:8000/healthz"
  exit 0
fi
system_packages
code_and_venv
settings
certificate
nginx_site
units
migrate_and_restart
say "installed. Next: flask --app server user add ... (docs/deploy.md, First steps)"
