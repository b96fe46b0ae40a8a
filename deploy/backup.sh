#!/usr/bin/env bash
# Back up what Meldpunt needs, except keys/ (back that up separately) and the
# offline recovery key (it lives in a safe):
#   - the PostgreSQL database (pg_dump, custom format)
#   - the encrypted file store (tar of ciphertext files)
# Usage: DATABASE_URL=postgresql://... MELDPUNT_STORAGE_DIR=/var/lib/meldpunt/storage \
#        deploy/backup.sh /path/to/backup-dir
set -euo pipefail
umask 077

out=${1:?usage: backup.sh OUT_DIR}
url=${DATABASE_URL:?DATABASE_URL must point at the PostgreSQL database}
storage=${MELDPUNT_STORAGE_DIR:?MELDPUNT_STORAGE_DIR must point at the file store}
url=${url/postgresql+psycopg:/postgresql:}
stamp=$(date -u +%Y%m%dT%H%M%SZ)

mkdir -p "$out"
pg_dump --format=custom --no-owner --no-privileges --file "$out/meldpunt-$stamp.dump" "$url"
tar --create --file "$out/meldpunt-storage-$stamp.tar" --directory "$storage" \
    --exclude='*.partial' .
echo "$out/meldpunt-$stamp.dump"
echo "$out/meldpunt-storage-$stamp.tar"
