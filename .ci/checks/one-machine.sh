#!/usr/bin/env bash
# CI: docs/deploy.md's one-machine recipe, followed on this machine as far as it goes without
# systemd as PID 1. deploy/install-one-machine.sh runs exactly as the doc says (as root), with
# its folders moved into a scratch folder and the database and roles named for this check; then
#   - every unit it installed passes `systemd-analyze verify`, and the nginx site `nginx -t`;
#   - the units are started from the installed files, as systemd would (tests/deploy/
#     systemd_unit.py: the unit's user, environment files, command line): the migration, the
#     signer, gunicorn with gunicorn.conf.py against PostgreSQL, and nginx with the installed site
#     in front; pages, /readyz and the signer's public keys must answer through nginx over TLS;
#   - the SMS and backup units run once; the backup dump restores (pg_restore --list).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
PY=${PY:-$REPO/.venv/bin/python}
PG=postgresql://postgres@127.0.0.1:5432
DB=t_deploy_one_machine OWNER=t_deploy_owner APP=t_deploy_app
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

root=$(mktemp -d /tmp/cowin-one-machine.XXXXXX)
chmod 0755 "$root"
pids=()
cleanup() {
  # Each started unit is its own session (setsid): stop the whole group, workers included.
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  [ -f "$root/nginx/nginx.pid" ] && kill "$(cat "$root/nginx/nginx.pid")" 2>/dev/null || true
  for _ in $(seq 1 20); do
    alive=0; for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
    -c "DROP ROLE IF EXISTS $APP" -c "DROP ROLE IF EXISTS $OWNER" >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
  -c "DROP ROLE IF EXISTS $APP" -c "DROP ROLE IF EXISTS $OWNER" >/dev/null
port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
web_port=$(port) signer_port=$(port) https_port=$(port)

echo "--- a certificate for the site (a ministry's would come from its CA or Let's Encrypt)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=cowin.test \
  -keyout "$root/privkey.pem" -out "$root/fullchain.pem" 2>/dev/null

echo "--- deploy/install-one-machine.sh, as docs/deploy.md runs it"
start=$SECONDS
env PREFIX="$root/opt/cowin-kit" ETC_DIR="$root/etc/cowin-kit" STATE_DIR="$root/var/lib/cowin-kit" \
  SIGNER_DIR="$root/var/lib/cowin-kit-signer" BACKUP_DIR="$root/var/backups/cowin-kit" \
  UNIT_DIR="$root/etc/systemd/system" NGINX_DIR="$root/etc/nginx" \
  PYTHON=/usr/bin/python3.11 PG_ADMIN_URL="$PG/postgres" DB_NAME=$DB DB_OWNER=$OWNER DB_APP_ROLE=$APP \
  WEB_BIND=127.0.0.1:$web_port SIGNER_BIND=127.0.0.1:$signer_port \
  COWIN_KIT_PUBLIC_URL=https://cowin.test COWIN_KIT_PROFILE=in COWIN_KIT_ADMIN_PASSWORD=one-machine-check-Pw1 \
  TLS_CERT="$root/fullchain.pem" TLS_KEY="$root/privkey.pem" \
  bash deploy/install-one-machine.sh </dev/null
echo "installed in $((SECONDS - start)) s"
units=$root/etc/systemd/system
etc=$root/etc/cowin-kit

echo "--- secrets: made, root-only"
for f in secrets.env migrate.env env db-passwords; do
  [ "$(stat -c '%a %U' "$etc/$f")" = "600 root" ] || { echo "$etc/$f: $(stat -c '%a %U' "$etc/$f")"; exit 1; }
done
grep -q '^COWIN_KIT_SECRET_KEY=.\{40,\}' "$etc/secrets.env"
[ "$(find "$root/opt/cowin-kit/locales" -name '*.mo' | wc -l)" -gt 0 ]

echo "--- systemd-analyze verify"
out=$(systemd-analyze verify "$units"/*.service "$units"/*.timer 2>&1) || { echo "$out"; exit 1; }
# Warnings (unknown keys, unsafe settings) fail the check too.
[ -z "$out" ] || { echo "$out"; exit 1; }
grep -q '^TimeoutStartSec=infinity' "$units/cowin-kit-migrate.service"
grep -q "^Environment=GUNICORN_BIND=127.0.0.1:" "$units/cowin-kit.service"
if grep -q '^Restart=on' "$units/cowin-kit-migrate.service"; then echo 'the migration must not restart'; exit 1; fi
grep -q '^ExecStart=.*sms deliver' "$units/cowin-kit-sms.service"

echo "--- nginx -t with the installed site (ports moved to free ones for this check)"
mkdir -p "$root/nginx"
sed -e "s/listen 443 ssl http2;/listen 127.0.0.1:$https_port ssl http2;/" -e '/listen \[::\]/d' \
    -e "s/listen 80;/listen 127.0.0.1:$(port);/" -e "s#/var/log/nginx/#$root/nginx/#" \
    "$root/etc/nginx/sites-enabled/cowin-kit.conf" > "$root/nginx/site.conf"
grep -q "server 127.0.0.1:$web_port;" "$root/nginx/site.conf"
cat > "$root/nginx/nginx.conf" <<EOF
user root;
pid $root/nginx/nginx.pid;
error_log $root/nginx/error.log;
events {}
http { access_log off; include $root/nginx/site.conf; }
EOF
"$NGINX" -t -p "$root/nginx" -c "$root/nginx/nginx.conf"

run_unit() { "$PY" -m tests.deploy.systemd_unit "$units/$1"; }
# A long-running unit in the background, in a session of its own; its pid (gunicorn's, after
# exec) is remembered for cleanup.
start_unit() { setsid "$PY" -m tests.deploy.systemd_unit "$units/$1" & pids+=($!); }
wait_for() {  # PORT on loopback: until it accepts connections, at most 60 s
  for _ in $(seq 1 120); do
    "$PY" -c "import socket, sys; socket.create_connection(('127.0.0.1', $1), 1).close()" \
      2>/dev/null && return 0
    sleep 0.5
  done
  echo "nothing listens on 127.0.0.1:$1"; return 1
}

echo "--- the units, started from the installed files"
run_unit cowin-kit-migrate.service
start_unit cowin-kit-signer.service
wait_for "$signer_port"   # mutual TLS: only the web server's certificate gets an answer
start_unit cowin-kit.service
wait_for "$web_port"
"$NGINX" -p "$root/nginx" -c "$root/nginx/nginx.conf"

echo "--- through nginx (TLS) to gunicorn"
through() { curl -sk --fail-with-body -H 'Host: cowin.test' "https://127.0.0.1:$https_port$1"; }
# (captured first: grep -q closing the pipe early would kill curl under pipefail)
page=$(through /readyz); grep -q ok <<<"$page" || { echo "$page"; exit 1; }
page=$(through /); grep -qi '<html' <<<"$page"
page=$(through /.well-known/jwks.json); grep -q '"kty"' <<<"$page"
# gunicorn listens on loopback only: the machine's other address gets no answer.
other=$(hostname -I 2>/dev/null | awk '{print $1}')
if [ -n "$other" ] && curl -s -o /dev/null --max-time 3 "http://$other:$web_port/healthz"; then
  echo "gunicorn answers on $other: it must listen on loopback only"; exit 1
fi

echo "--- the SMS timer's and the backup timer's services, once"
run_unit cowin-kit-sms.service
run_unit cowin-kit-backup.service
dump=$(ls "$root/var/backups/cowin-kit"/cowin-kit-*.dump)
listing=$(pg_restore --list "$dump"); grep -q 'TABLE DATA public audit_log' <<<"$listing"
echo "one machine: installed, verified and served in $((SECONDS - start)) s"
