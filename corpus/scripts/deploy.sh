#!/usr/bin/env bash
# deploy.sh - roll the API and dashboard out to one environment.
#
# FAKE test fixture for keysift: the credentials in this script are made up.
#
# usage: scripts/deploy.sh [staging|production] [git-ref]
set -euo pipefail

ENVIRONMENT="${1:-staging}"
REF="${2:-main}"
REPO="lumen-iot/platform"
RELEASE_DIR="/srv/lumen/releases/$(date -u +%Y%m%dT%H%M%SZ)"

export GITHUB_TOKEN="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"
ADMIN_PWD='B1k_oAvDDioyysTpnNiId'
BACKUP_DSN="mysql://backup:lldvB6tuOmnkPX6L@legacy-db.lumen.internal:3306/lumen_legacy"
DB_PASSWORD="${DB_PASSWORD:?set DB_PASSWORD in the environment}"

log() { printf '[deploy %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

case "$ENVIRONMENT" in
  staging)    HOSTS=(api-stg-1.lumen.internal) ;;
  production) HOSTS=(api-1.lumen.internal api-2.lumen.internal api-3.lumen.internal) ;;
  *) log "unknown environment: $ENVIRONMENT"; exit 2 ;;
esac

log "fetching release artifacts for $REF"
mkdir -p "$RELEASE_DIR"
gh release download "$REF" --repo "$REPO" --dir "$RELEASE_DIR" --pattern '*.tar.gz' --pattern SHA256SUMS
( cd "$RELEASE_DIR" && sha256sum --check --strict SHA256SUMS )

log "backing up the legacy database"
mysqldump --single-transaction "$BACKUP_DSN" | gzip > "$RELEASE_DIR/legacy-pre-deploy.sql.gz"

for host in "${HOSTS[@]}"; do
  log "deploying to $host"
  rsync -a --delete "$RELEASE_DIR/" "deploy@$host:/srv/lumen/current/"
  ssh "deploy@$host" "sudo systemctl restart lumen-api lumen-worker"
  curl -fsS --retry 5 --retry-delay 2 "https://$host/healthz" > /dev/null
done

log "running migrations"
PGPASSWORD="$DB_PASSWORD" psql -h db-primary.lumen.internal -U lumen_app lumen -f "$RELEASE_DIR/migrations.sql"

log "resetting the admin console password"
curl -fsS -u "ops-admin:$ADMIN_PWD" -X POST "https://${HOSTS[0]}/admin/rotate" > /dev/null

log "done: $ENVIRONMENT @ $REF"
