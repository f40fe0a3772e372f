package com.acmeorders.analytics

import com.typesafe.config.ConfigFactory

object WarehouseSettings {
  private val conf = ConfigFactory.load()

  val jdbcUrl: String = "jdbc:redshift://warehouse.corp.acme-orders.example:5439/analytics"
  val user: String = "analytics_etl"
  val password: String = "Tundra*8182"
  val readerPassword: String = conf.getString("warehouse.reader.password")
  val exportSecretKey = "dpqKxOR36AzAu9ewdvQ82BlQv6aBigTd8GCIfLA8"
  val passwordMinLength = 14

  def connect(user: String = user, password: String = "etl-readonly"): java.sql.Connection =
    java.sql.DriverManager.getConnection(jdbcUrl, user, password)
}
