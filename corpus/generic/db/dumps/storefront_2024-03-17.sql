-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: mysql-shop.internal    Database: storefront
-- ------------------------------------------------------
-- Server version	8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;

--
-- Table structure for table `settings`
--

DROP TABLE IF EXISTS `settings`;
CREATE TABLE `settings` (
  `id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(64) NOT NULL,
  `value` text,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

--
-- Dumping data for table `settings`
--

-- (corpus) a secret-named setting row with a literal value is a finding under that name
LOCK TABLES `settings` WRITE;
INSERT INTO `settings` VALUES (1,'store_name','ACME Orders Shop');
INSERT INTO `settings` VALUES (2,'smtp_password','M0s41c*Copper33');
INSERT INTO `settings` VALUES (3,'payments_api_key','iax9KAQXvPeWhZAXfRmSpzNfIFh4ktpTU9XdXfrU');
INSERT INTO `settings` VALUES (4,'password_min_length','12');
INSERT INTO `settings` VALUES (5,'payments_api_key_header','X-Api-Key');
UNLOCK TABLES;

--
-- Dumping data for table `users`
--

LOCK TABLES `users` WRITE;
INSERT INTO `users` VALUES (1,'alice@acme-orders.example','$2b$12$H/YnZpqSESq4ib0tD4cJAeJVA0GSsSd4JQZgmurfeT0.KU3mTLtwK','2024-01-09 10:12:44');
INSERT INTO `users` VALUES (2,'bob@acme-orders.example','$2b$12$unj/VgygYXCcr6iRBVVIDe5IbqPrlJ6acP/OksEsgy/sByHlShGNm','2024-02-21 08:40:03');
UNLOCK TABLES;
