#!/bin/sh
# cowin-kit database backup: one consistent pg_dump (custom format, compressed) of
# COWIN_KIT_DATABASE_URL into DIR, checked with pg_restore --list, then only the newest
# BACKUP_KEEP (default 14) dumps are kept. Run by cowin-kit-backup.service (nightly timer) with
# the schema owner's URL; by hand:
#   sudo sh -c 'set -a; . /etc/cowin-kit/env; . /etc/cowin-kit/migrate.env; /opt/cowin-kit/deploy/backup.sh /var/backups/cowin-kit'
# Restore: docs/deploy.md, "Backup and restore". The dumps hold personal data: they are written
# 0600 and must be stored and copied like the database itself.
set -eu
dir=${1:?usage: backup.sh DIR}
keep=${BACKUP_KEEP:-14}
: "${COWIN_KIT_DATABASE_URL:?set COWIN_KIT_DATABASE_URL (the schema owner's URL)}"
# pg_dump takes a libpq URL: drop SQLAlchemy's "+psycopg" driver part.
url=$(printf '%s' "$COWIN_KIT_DATABASE_URL" | sed 's#^postgresql+[a-z0-9]*://#postgresql://#')
umask 077
stamp=$(date -u +%Y%m%dT%H%M%SZ)
partial="$dir/.cowin-kit-$stamp.dump.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --file="$partial" --dbname="$url"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$dir/cowin-kit-$stamp.dump"
trap - EXIT
# Keep the newest $keep dumps (names sort by time).
ls -1 "$dir" | grep -E '^cowin-kit-[0-9]{8}T[0-9]{6}Z\.dump$' | sort -r | tail -n +"$((keep + 1))" |
  while read -r old; do rm -f "$dir/$old"; done
echo "backup written: $dir/cowin-kit-$stamp.dump"
