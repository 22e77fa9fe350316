#!/usr/bin/env bash
# PostgreSQL image init script (docker-entrypoint-initdb.d; first start of an empty volume only):
# create the role the web server connects as. It owns nothing and gets its grants from
# `cowin-kit db upgrade --app-role cowin_kit_app` (the compose migrate service), which leaves it
# SELECT and INSERT only on audit_log. For a volume made before this script, run once:
#   docker compose exec db psql -U cowin_kit -c "CREATE ROLE cowin_kit_app LOGIN PASSWORD '...'"
set -euo pipefail
: "${POSTGRES_APP_PASSWORD:?set POSTGRES_APP_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$POSTGRES_APP_PASSWORD" <<'SQL'
CREATE ROLE cowin_kit_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
  PASSWORD :'password';
SQL
