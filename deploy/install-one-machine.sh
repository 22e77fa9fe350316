#!/usr/bin/env bash
# cowin-kit on one machine without containers (Debian/Ubuntu with systemd, PostgreSQL, nginx):
# docs/deploy.md, "One machine without containers". Run as root from a checkout of the release:
#
#   sudo COWIN_KIT_PUBLIC_URL=https://cowin.example.org COWIN_KIT_PROFILE=in \
#        TLS_CERT=/etc/letsencrypt/live/cowin.example.org/fullchain.pem \
#        TLS_KEY=/etc/letsencrypt/live/cowin.example.org/privkey.pem \
#        deploy/install-one-machine.sh
#
# It does, in this order: system users, folders, the virtualenv from deploy/requirements.lock,
# the catalogs compiled where the kit reads them, the secret key and database passwords (made
# once, kept), the database and its two roles, the settings files, the signer's TLS and signing
# keys, `cowin-kit init` (schema, areas, first admin) and the app role's grants, the nginx site,
# the systemd units. Running it again upgrades the code and keeps every secret and key.
#
# Settings (environment variables; defaults in brackets):
#   COWIN_KIT_PUBLIC_URL      the https:// address citizens use (required)
#   COWIN_KIT_PROFILE         country profile code or folder [in]
#   COWIN_KIT_ADMIN_PASSWORD  first national admin's password (asked for on a terminal when unset)
#   TLS_CERT, TLS_KEY         certificate chain and key for nginx; without them the HTTP-only
#                             site is installed (TLS ends at a load balancer in front)
#   COWIN_KIT_REDIS_URL, COWIN_KIT_SMS_*   copied into the settings when set
#   DB_NAME [cowin_kit], DB_OWNER [cowin_kit], DB_APP_ROLE [cowin_kit_app],
#   DB_HOST [127.0.0.1], DB_PORT [5432]
#   PG_ADMIN_URL              a superuser's libpq URL to create the roles and database; empty:
#                             psql as the postgres system user on this machine; "none": they
#                             exist already (then set DB_OWNER_PASSWORD and DB_APP_PASSWORD)
#   WEB_BIND [127.0.0.1:8000], SIGNER_BIND [127.0.0.1:8443]   loopback addresses
#   PYTHON [python3.11]
#   PREFIX [/opt/cowin-kit], ETC_DIR [/etc/cowin-kit], STATE_DIR [/var/lib/cowin-kit],
#   SIGNER_DIR [/var/lib/cowin-kit-signer], BACKUP_DIR [/var/backups/cowin-kit],
#   UNIT_DIR [/etc/systemd/system], NGINX_DIR [/etc/nginx]   where things go (CI installs into a
#                             scratch folder: .ci/checks/one-machine.sh)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
: "${COWIN_KIT_PUBLIC_URL:?set COWIN_KIT_PUBLIC_URL to the https:// address citizens use}"
PROFILE=${COWIN_KIT_PROFILE:-in}
PREFIX=${PREFIX:-/opt/cowin-kit}
ETC_DIR=${ETC_DIR:-/etc/cowin-kit}
STATE_DIR=${STATE_DIR:-/var/lib/cowin-kit}
SIGNER_DIR=${SIGNER_DIR:-/var/lib/cowin-kit-signer}
BACKUP_DIR=${BACKUP_DIR:-/var/backups/cowin-kit}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
NGINX_DIR=${NGINX_DIR:-/etc/nginx}
PYTHON=${PYTHON:-python3.11}
DB_NAME=${DB_NAME:-cowin_kit}
DB_OWNER=${DB_OWNER:-cowin_kit}
DB_APP_ROLE=${DB_APP_ROLE:-cowin_kit_app}
DB_HOST=${DB_HOST:-127.0.0.1}
DB_PORT=${DB_PORT:-5432}
WEB_BIND=${WEB_BIND:-127.0.0.1:8000}
SIGNER_BIND=${SIGNER_BIND:-127.0.0.1:8443}
VENV=$PREFIX/venv
KIT=$VENV/bin/cowin-kit

step() { printf '\n==> [%ds] %s\n' "$SECONDS" "$*"; }
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo)" >&2; exit 1; }
case $COWIN_KIT_PUBLIC_URL in https://*) ;; *)
  echo "COWIN_KIT_PUBLIC_URL must start with https:// (production mode refuses anything else)" >&2
  exit 1;;
esac

step "1. System users: cowin (web server), cowin-signer (signing keys)"
for user in cowin cowin-signer; do
  home=$STATE_DIR; [ "$user" = cowin-signer ] && home=$SIGNER_DIR
  id -u "$user" >/dev/null 2>&1 || useradd --system --user-group --home-dir "$home" \
    --no-create-home --shell /usr/sbin/nologin "$user"
done

step "2. Folders"
install -d -m 0755 "$PREFIX" "$PREFIX/deploy"
install -d -m 0755 "$ETC_DIR"   # files inside: root-only or their user's
install -d -m 0750 -o cowin -g cowin "$STATE_DIR"
install -d -m 0700 -o cowin-signer -g cowin-signer "$SIGNER_DIR" "$SIGNER_DIR/keys"
install -d -m 0700 -o cowin -g cowin "$BACKUP_DIR"

step "3. Virtualenv from the lock file (hash-checked), then the kit itself"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --require-hashes -r "$SRC/deploy/requirements.lock"
"$VENV/bin/pip" install --quiet --no-deps --no-build-isolation --force-reinstall "$SRC"
"$VENV/bin/pip" check

step "4. Catalogs, profiles and gunicorn settings copied, then the catalogs compiled there"
rm -rf "$PREFIX/locales" "$PREFIX/country_profiles"
cp -r "$SRC/locales" "$SRC/country_profiles" "$PREFIX/"
install -m 0644 "$SRC/deploy/gunicorn.conf.py" "$PREFIX/deploy/gunicorn.conf.py"
install -m 0755 "$SRC/deploy/backup.sh" "$PREFIX/deploy/backup.sh"
"$KIT" i18n compile --locales-dir "$PREFIX/locales" --force
compiled=$(find "$PREFIX/locales" -name '*.mo' | wc -l)
[ "$compiled" -gt 0 ] || { echo "no catalog compiled in $PREFIX/locales" >&2; exit 1; }
echo "$compiled catalogs compiled"
chmod -R a+rX "$PREFIX"

step "5. Secret key and database passwords: made once, never replaced"
umask 077
random() { "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))'; }
if [ ! -s "$ETC_DIR/secrets.env" ]; then
  # Keys the identity-number hashes: keep it with the backups of the keys (docs/deploy.md).
  printf 'COWIN_KIT_SECRET_KEY=%s\n' "$(random)" > "$ETC_DIR/secrets.env"
fi
if [ ! -s "$ETC_DIR/db-passwords" ]; then
  printf 'DB_OWNER_PASSWORD=%s\nDB_APP_PASSWORD=%s\n' \
    "${DB_OWNER_PASSWORD:-$(random)}" "${DB_APP_PASSWORD:-$(random)}" > "$ETC_DIR/db-passwords"
fi
# shellcheck disable=SC1091
. "$ETC_DIR/db-passwords"
umask 022

step "6. Database $DB_NAME, owner $DB_OWNER, app role $DB_APP_ROLE"
if [ "${PG_ADMIN_URL:-}" != none ]; then
  if [ -n "${PG_ADMIN_URL:-}" ]; then admin_psql=(psql "$PG_ADMIN_URL");
  else admin_psql=(runuser -u postgres -- psql); fi
  "${admin_psql[@]}" -v ON_ERROR_STOP=1 -q -v owner="$DB_OWNER" -v app="$DB_APP_ROLE" \
    -v owner_pw="$DB_OWNER_PASSWORD" -v app_pw="$DB_APP_PASSWORD" -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', :'owner')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', :'app')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_pw') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'app_pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'owner', 'UTF8')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
fi
urlencode() { "$VENV/bin/python" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
db_url() { echo "postgresql+psycopg://$1:$(urlencode "$2")@$DB_HOST:$DB_PORT/$DB_NAME"; }

step "7. Settings: $ETC_DIR/env (web, SMS), migrate.env (schema owner), signer.env"
umask 077
{
  echo "# Written by deploy/install-one-machine.sh; read by systemd (root) for the cowin-kit units."
  echo "COWIN_KIT_DATABASE_URL=$(db_url "$DB_APP_ROLE" "$DB_APP_PASSWORD")"
  echo "COWIN_KIT_PROFILE=$PROFILE"
  echo "COWIN_KIT_PROFILES_DIR=$PREFIX/country_profiles"
  echo "COWIN_KIT_LOCALES_DIR=$PREFIX/locales"
  echo "COWIN_KIT_INSTANCE_DIR=$STATE_DIR"
  echo "COWIN_KIT_PUBLIC_URL=$COWIN_KIT_PUBLIC_URL"
  # nginx on this machine is the one proxy in front (X-Forwarded-For hops to trust).
  echo "COWIN_KIT_TRUSTED_PROXIES=${COWIN_KIT_TRUSTED_PROXIES:-1}"
  echo "COWIN_KIT_SIGNER_URL=https://localhost:${SIGNER_BIND##*:}"
  echo "COWIN_KIT_SIGNER_CA=$ETC_DIR/signer-client/ca.crt"
  echo "COWIN_KIT_SIGNER_CLIENT_CERT=$ETC_DIR/signer-client/client.crt"
  echo "COWIN_KIT_SIGNER_CLIENT_KEY=$ETC_DIR/signer-client/client.key"
  echo "GUNICORN_BIND=$WEB_BIND"
  env | grep -E '^COWIN_KIT_(REDIS_URL|SMS_[A-Z_]+)=' || true
} > "$ETC_DIR/env.new"
mv "$ETC_DIR/env.new" "$ETC_DIR/env"
{
  echo "COWIN_KIT_DATABASE_URL=$(db_url "$DB_OWNER" "$DB_OWNER_PASSWORD")"
  echo "COWIN_KIT_APP_ROLE=$DB_APP_ROLE"
} > "$ETC_DIR/migrate.env"
[ -s "$ETC_DIR/keys-passphrase" ] || random > "$ETC_DIR/keys-passphrase"
chown cowin-signer: "$ETC_DIR/keys-passphrase"; chmod 0400 "$ETC_DIR/keys-passphrase"
{
  echo "COWIN_KIT_KEYS_DIR=$SIGNER_DIR/keys"
  echo "COWIN_KIT_KEYS_PASSPHRASE_FILE=$ETC_DIR/keys-passphrase"
  echo "COWIN_KIT_INSTANCE_DIR=$SIGNER_DIR"
  echo "COWIN_KIT_PROFILE=$PROFILE"
  echo "COWIN_KIT_PROFILES_DIR=$PREFIX/country_profiles"
  echo "COWIN_KIT_LOCALES_DIR=$PREFIX/locales"
  echo "COWIN_KIT_PUBLIC_URL=$COWIN_KIT_PUBLIC_URL"
  echo "COWIN_KIT_SIGNER_BIND=$SIGNER_BIND"
} > "$ETC_DIR/signer.env"
umask 022
# Run a kit command as USER with the settings of the given files (as systemd would).
as() {
  local user=$1; shift; local files=()
  while [ "$1" != -- ]; do files+=("$1"); shift; done; shift
  (set -a; for f in "${files[@]}"; do . "$f"; done; set +a
   cd / && runuser -u "$user" -- "$@")
}

step "8. The signer: mutual TLS (once) and the signing keys (once, encrypted)"
if [ ! -s "$ETC_DIR/signer-tls/server.crt" ]; then
  tls=$(mktemp -d)
  "$KIT" signer tls --out "$tls" --host localhost --days 3650
  install -d -o cowin-signer -g cowin-signer -m 0700 "$ETC_DIR/signer-tls"
  install -o cowin-signer -g cowin-signer -m 0400 "$tls"/{ca.crt,server.crt,server.key} "$ETC_DIR/signer-tls/"
  install -d -o cowin -g cowin -m 0700 "$ETC_DIR/signer-client"
  install -o cowin -g cowin -m 0400 "$tls"/{ca.crt,client.crt,client.key} "$ETC_DIR/signer-client/"
  rm -r "$tls"
fi
if [ -z "$(ls -A "$SIGNER_DIR/keys")" ]; then
  as cowin-signer "$ETC_DIR/signer.env" -- "$KIT" keys generate
fi

step "9. Schema, the profile's areas and the first national admin; the app role's grants"
as cowin "$ETC_DIR/env" "$ETC_DIR/secrets.env" "$ETC_DIR/migrate.env" -- "$KIT" init --profile "$PROFILE"
as cowin "$ETC_DIR/env" "$ETC_DIR/migrate.env" -- "$KIT" db grant-app-role "$DB_APP_ROLE"

step "10. nginx site"
if [ -n "${TLS_CERT:-}" ]; then
  site=$SRC/deploy/nginx/cowin-kit.conf
else
  echo "no TLS_CERT: the HTTP-only site (TLS must end at a proxy or load balancer in front)"
  site=$SRC/deploy/nginx/cowin-kit-http.conf
fi
install -d "$NGINX_DIR/sites-available" "$NGINX_DIR/sites-enabled"
sed -e "s#server web:8000;#server $WEB_BIND;#" \
    -e "s#/etc/nginx/tls/fullchain.pem#${TLS_CERT:-}#" -e "s#/etc/nginx/tls/privkey.pem#${TLS_KEY:-}#" \
    "$site" > "$NGINX_DIR/sites-available/cowin-kit.conf"
ln -sfn ../sites-available/cowin-kit.conf "$NGINX_DIR/sites-enabled/cowin-kit.conf"
# Debian's stock site would answer port 80 for every unknown host name.
rm -f "$NGINX_DIR/sites-enabled/default"

step "11. systemd units"
install -d "$UNIT_DIR"
# The units name the default paths; other folders (PREFIX, ...) are put in, in one pass.
"$VENV/bin/python" - "$SRC/deploy/systemd" "$UNIT_DIR" <<PY
import pathlib, re, sys
paths = {"/opt/cowin-kit": "$PREFIX", "/etc/cowin-kit": "$ETC_DIR",
         "/var/lib/cowin-kit-signer": "$SIGNER_DIR", "/var/lib/cowin-kit": "$STATE_DIR",
         "/var/backups/cowin-kit": "$BACKUP_DIR", "127.0.0.1:8000": "$WEB_BIND",
         "127.0.0.1:8443": "$SIGNER_BIND"}
pattern = re.compile("|".join(re.escape(k) for k in sorted(paths, key=len, reverse=True)))
for unit in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    if unit.suffix not in (".service", ".timer"):
        continue
    text = pattern.sub(lambda m: paths[m.group(0)], unit.read_text())
    pathlib.Path(sys.argv[2], unit.name).write_text(text)
PY
if [ -d /run/systemd/system ] && [ "$UNIT_DIR" = /etc/systemd/system ]; then
  nginx -t
  systemctl daemon-reload
  systemctl enable --now cowin-kit-signer.service
  systemctl enable cowin-kit.service
  # Upgrades: the migration runs first (cowin-kit-migrate.service), then the web server.
  systemctl restart cowin-kit.service
  systemctl enable --now cowin-kit-sms.timer cowin-kit-lottery.timer cowin-kit-routine-due.timer cowin-kit-backup.timer
  systemctl reload nginx
  echo "cowin-kit is running: $COWIN_KIT_PUBLIC_URL"
else
  echo "systemd is not running here: units written to $UNIT_DIR, not started"
fi
