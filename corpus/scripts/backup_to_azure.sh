#!/usr/bin/env bash
# backup_to_azure.sh - nightly upload of database dumps to Azure Blob Storage.
#
# FAKE test fixture for keysift: the SAS URL below is made up.
set -euo pipefail

BACKUP_ROOT="/var/backups/lumen"
RETENTION_DAYS=14
STAMP="$(date -u +%Y-%m-%d)"
ARCHIVE="$BACKUP_ROOT/lumen-$STAMP.tar.zst"

# Read-list SAS for the nightly container, valid until the end of 2026.
CONTAINER_URL="https://stlumenbackup.blob.core.windows.net/nightly?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2026-12-31T23%3A59%3A59Z&st=2024-06-01T00%3A00%3A00Z&spr=https&sig=YS1Ljfvs2UgLogOsxtNBEWMpr3zaFhZgK30zN1GAhcU%3D"

# The account key itself is never needed here; if a caller sets it we ignore it.
AZURE_STORAGE_KEY="${AZURE_STORAGE_KEY:-}"

log() { logger -t lumen-backup "$*"; echo "$*" >&2; }

mkdir -p "$BACKUP_ROOT"
log "dumping databases"
pg_dumpall --clean --if-exists -h db-primary.lumen.internal -U backup \
  | zstd -T0 -19 -q -o "$ARCHIVE"
sha256sum "$ARCHIVE" > "$ARCHIVE.sha256"

log "uploading $(du -h "$ARCHIVE" | cut -f1) to azure"
azcopy copy "$ARCHIVE" "$CONTAINER_URL" --overwrite=false --log-level=WARNING
azcopy copy "$ARCHIVE.sha256" "$CONTAINER_URL" --overwrite=false --log-level=WARNING

log "pruning local archives older than $RETENTION_DAYS days"
find "$BACKUP_ROOT" -name 'lumen-*.tar.zst*' -mtime +"$RETENTION_DAYS" -delete

log "backup $STAMP complete"
