#!/usr/bin/env bash
# CI check (docs/scale.md): the kit against a REAL streaming replica of this machine's
# PostgreSQL and through PgBouncer in transaction mode. Makes the replica with
# `pg_basebackup -R` (as the postgres OS user) on another port, starts it with pg_ctl, starts
# pgbouncer in front of the primary, runs tests/scale on PostgreSQL, then stops both.
# Ports: COWIN_KIT_REPLICA_PORT (5433), COWIN_KIT_PGBOUNCER_PORT (6432).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CI=${CI:-true}
PYTHON=${PYTHON:-.venv/bin/python}
PRIMARY_HOST=127.0.0.1 PRIMARY_PORT=5432
REPLICA_PORT=${COWIN_KIT_REPLICA_PORT:-5433}
BOUNCER_PORT=${COWIN_KIT_PGBOUNCER_PORT:-6432}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
psql_primary() { psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -XAtq "$@"; }

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "installing pgbouncer"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
fi
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

# The primary must let a local replication client in (wal_level=replica is the default).
[ "$(psql_primary -c 'SHOW wal_level')" != minimal ] || { echo "wal_level=minimal: no replica"; exit 1; }
HBA=$(psql_primary -c 'SHOW hba_file')
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32' "$HBA"; then
  echo "allowing local replication connections in $HBA"
  echo "host replication postgres 127.0.0.1/32 trust  # cowin-kit CI: .ci/checks/scale.sh" >> "$HBA"
  psql_primary -c 'SELECT pg_reload_conf()' >/dev/null
fi

WORK=$(mktemp -d /tmp/cowin-kit-scale.XXXXXX)
chown postgres: "$WORK"
# A replication slot keeps the primary's WAL until the replica has it (busy primaries recycle
# segments fast); dropped when done, with any slot an interrupted run left behind.
SLOT="cowin_kit_ci_$(basename "$WORK" | tr -cd 'a-zA-Z0-9' | tr 'A-Z' 'a-z')"
drop_stale_slots() {
  psql_primary -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                   WHERE slot_name LIKE 'cowin_kit_ci_%' AND NOT active" >/dev/null || true
}
as_postgres() { su postgres -s /bin/bash -c "$*"; }
cleanup() {
  [ -f "$WORK/pgbouncer.pid" ] && kill "$(cat "$WORK/pgbouncer.pid")" 2>/dev/null || true
  [ -f "$WORK/replica/postmaster.pid" ] && as_postgres "'$PGBIN/pg_ctl' -D '$WORK/replica' -m fast -w stop" >/dev/null || true
  drop_stale_slots
  rm -rf "$WORK"
}
trap cleanup EXIT
drop_stale_slots

echo "replica: pg_basebackup -R of ${PRIMARY_HOST}:${PRIMARY_PORT} on port $REPLICA_PORT (slot $SLOT)"
as_postgres "pg_basebackup -h $PRIMARY_HOST -p $PRIMARY_PORT -U postgres -D '$WORK/replica' -R -X stream -c fast -C -S $SLOT"
# Debian keeps the configuration outside the data directory: give the replica its own, with
# the primary's limits (a hot standby refuses to start below them).
settings=""
for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
  settings+="$name = $(psql_primary -c "SHOW $name")"$'\n'
done
as_postgres "cat > '$WORK/replica/postgresql.conf'" <<CONF
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
hot_standby = on
fsync = off
$settings
CONF
as_postgres "printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > '$WORK/replica/pg_hba.conf'; : > '$WORK/replica/pg_ident.conf'"
as_postgres "'$PGBIN/pg_ctl' -D '$WORK/replica' -l '$WORK/replica.log' -w -t 60 start" >/dev/null \
  || { cat "$WORK/replica.log"; exit 1; }
[ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -XAtqc 'SELECT pg_is_in_recovery()')" = t ]

echo "pgbouncer: transaction mode on port $BOUNCER_PORT"
as_postgres "cat > '$WORK/pgbouncer.ini'" <<INI
[databases]
* = host=$PRIMARY_HOST port=$PRIMARY_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir = $WORK
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 400
ignore_startup_parameters = extra_float_digits,options
pidfile = $WORK/pgbouncer.pid
logfile = $WORK/pgbouncer.log
INI
as_postgres "echo '\"postgres\" \"\"' > '$WORK/userlist.txt'; '$PGBOUNCER' -d -q '$WORK/pgbouncer.ini'"
for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p "$BOUNCER_PORT" && break; sleep 0.1; done

COWIN_KIT_TEST_DATABASE_URL="postgresql+psycopg://postgres@${PRIMARY_HOST}:${PRIMARY_PORT}/test" \
COWIN_KIT_TEST_REPLICA_URL="postgresql+psycopg://postgres@127.0.0.1:${REPLICA_PORT}/test" \
COWIN_KIT_TEST_PGBOUNCER_URL="postgresql+psycopg://postgres@127.0.0.1:${BOUNCER_PORT}/test" \
COWIN_KIT_TEST_REDIS_URL="${COWIN_KIT_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}" \
  "$PYTHON" -m pytest tests/scale -q -n 0 "$@"  # one at a time: they share the replica
