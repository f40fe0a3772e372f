-- MySQL 8: application users for the storefront.
CREATE USER 'storefront'@'%' IDENTIFIED BY 'n8!SLWhDJCB';
CREATE USER 'backup'@'localhost' IDENTIFIED WITH caching_sha2_password BY 'Marble-7661';
-- (corpus) weak, but SQL: generic.sql-password
CREATE USER 'monitor'@'10.%' IDENTIFIED BY 'root';
SET PASSWORD FOR 'storefront'@'%' = 'g3.xSQtPF72';
SET PASSWORD FOR 'legacy'@'%' = PASSWORD('n2_Lg3WiXXp');
GRANT SELECT, INSERT, UPDATE, DELETE ON storefront.* TO 'storefront'@'%';
GRANT USAGE ON *.* TO 'replicator'@'%' IDENTIFIED BY PASSWORD '*9E394F7BF3D77B098CF51E11634D10E9C86EC078';
CREATE USER 'ci'@'%' IDENTIFIED BY '${CI_DB_PASSWORD}';
FLUSH PRIVILEGES;
