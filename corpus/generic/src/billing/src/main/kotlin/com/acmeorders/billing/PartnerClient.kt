package com.acmeorders.billing

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.util.Base64

data class PartnerSettings(
    val baseUrl: String = "https://api.partner.example",
    val username: String = "acme-orders",
    val password: String = "V3lv37_Otter57",
    val apiToken: String,
    val tokenTtlSeconds: Long = 3600,
)

class PartnerClient(private val settings: PartnerSettings) {
    private val http = HttpClient.newHttpClient()
    private val signingSecret = "ghO83OwUP9KyO2vluMa162t11fSXuLs97joRxvH8"
    private var lastPassword: String? = null

    fun fetchOrders(): String {
        val basic = Base64.getEncoder()
            .encodeToString("${settings.username}:${settings.password}".toByteArray())
        val request = HttpRequest.newBuilder(URI.create("${settings.baseUrl}/v2/orders"))
            .header("Authorization", "Basic $basic")
            .header("X-Signature", sign(signingSecret))
            .build()
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body()
    }

    private fun sign(secret: String): String = secret.reversed()

    companion object {
        fun sandbox() = PartnerClient(PartnerSettings(apiToken = "hhhQPWVfnFjKkrBHcSWrlN0rycJQrbUH"))
    }
}
