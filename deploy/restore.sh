#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and an EMPTY file
# store. Restore keys/ from its own backup first (same files); then run
# `meldpunt audit verify` and `meldpunt init` (upgrades the schema if needed).
# Usage: DATABASE_URL=postgresql://... MELDPUNT_STORAGE_DIR=/var/lib/meldpunt/storage \
#        deploy/restore.sh meldpunt-DATE.dump meldpunt-storage-DATE.tar
set -euo pipefail
umask 077

dump=${1:?usage: restore.sh DUMP STORAGE_TAR}
archive=${2:?usage: restore.sh DUMP STORAGE_TAR}
url=${DATABASE_URL:?DATABASE_URL must point at the (empty) PostgreSQL database}
storage=${MELDPUNT_STORAGE_DIR:?MELDPUNT_STORAGE_DIR must point at the (empty) file store}
url=${url/postgresql+psycopg:/postgresql:}

mkdir -p "$storage"
if [ -n "$(ls -A "$storage")" ]; then
    echo "refusing to restore: $storage is not empty" >&2
    exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$url" "$dump"
tar --extract --file "$archive" --directory "$storage"
echo "restored; now run: meldpunt audit verify"
