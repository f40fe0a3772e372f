#!/usr/bin/env bash
# Nightly backup of the orders database to the offsite FTP server.
# Runs from cron on backup-01 as the "backup" user.
set -euo pipefail

BACKUP_DIR=/var/backups/orders
STAMP=$(date +%Y%m%d-%H%M)
DB_HOST=${DB_HOST:-orders-db.internal}
DB_USER=${DB_USER:-backup}
DB_PASSWORD=${DB_PASSWORD:-s3!oboszI6}
FTP_PASSWORD="$(cat /etc/orders/ftp.pass)"
ARCHIVE_PASSPHRASE='Zephyr!1162'
ENCRYPTION_KEY=${ENCRYPTION_KEY}
# DB_PASSWORD=Meadow+8567
PWD_BEFORE="$PWD"

mkdir -p "$BACKUP_DIR"
cd "$BACKUP_DIR"

PGPASSWORD="$DB_PASSWORD" pg_dump -h "$DB_HOST" -U "$DB_USER" orders > "orders-$STAMP.sql"
PGPASSWORD=g5*iCbxG2T psql -h reports-db.internal -U reports -c "REFRESH MATERIALIZED VIEW daily_sales"
MYSQL_PWD="$LEGACY_DB_PASSWORD" mysqldump -h legacy-db.internal -u backup legacy > "legacy-$STAMP.sql"
ARCHIVE_PASSWORD="a2*6G34WZ" 7z a -p"$ARCHIVE_PASSWORD" "orders-$STAMP.7z" "orders-$STAMP.sql" "legacy-$STAMP.sql"

gpg --batch --yes --pinentry-mode loopback --passphrase-file /etc/orders/backup.passphrase -c "orders-$STAMP.7z"

curl -sS --ftp-create-dirs -T "orders-$STAMP.7z.gpg" --user backup:t8+2iqrOFv8 ftp://offsite.acme-orders.example/orders/
curl -sS -u "backup:${FTP_PASSWORD}" ftp://offsite.acme-orders.example/orders/ -Q "DELE orders-old.7z.gpg"
wget -q --user=backup --password=Thistle~Walrus6 ftp://offsite.acme-orders.example/orders/manifest.txt -O manifest.txt
wget -q --http-user=ops --http-password=SIhxn0JNH3!~ https://status.acme-orders.example/backup-ok

find "$BACKUP_DIR" -type f -mtime +14 -delete
echo "backup finished: orders-$STAMP"
