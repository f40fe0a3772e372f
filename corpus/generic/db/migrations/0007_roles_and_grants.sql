-- 0007: service roles for the reporting pipeline (PostgreSQL 16).
BEGIN;

CREATE ROLE reporting_ro WITH LOGIN PASSWORD 'x6_nr2hr3';
CREATE USER etl_loader WITH PASSWORD 'b6*cEki65' VALID UNTIL '2025-01-01';
ALTER USER etl_loader PASSWORD 'e7+HZC0r7X';
ALTER ROLE reporting_ro WITH ENCRYPTED PASSWORD 'V3lvet!Ember92';
ALTER ROLE dashboards WITH PASSWORD :'dashboards_password';
ALTER ROLE migrations PASSWORD NULL;
-- (corpus) a weak password in SQL stays a generic.sql-password finding
ALTER ROLE kiosk PASSWORD 'kiosk';
-- the pipeline's service account password is stored in Vault (orders/prod/etl)

CREATE TABLE app_users (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    password_changed_at timestamptz,
    api_token_id  uuid
);

GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting_ro;
COMMIT;
