package com.lumen.billing;

import com.stripe.Stripe;
import com.stripe.StripeClient;
import com.stripe.net.RequestOptions;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Stripe client wiring for subscriptions and usage-based billing.
 *
 * <p>FAKE test fixture for keysift: the keys below are made up. They were
 * "temporarily" inlined while the vault integration was broken.
 */
@Configuration
public class StripeConfig {

    private static final String STRIPE_SECRET_KEY = "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";

    /** Restricted key with read access to reports only, used by the finance export. */
    private static final String STRIPE_REPORTING_KEY = "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";

    static final String WEBHOOK_SIGNING_SECRET = "whsec_YsPGUiu11orafGqyUTEkHK9egIGlL963";

    /** Publishable key: safe to expose, served to the dashboard. */
    public static final String PUBLISHABLE_KEY = "pk_live_51B8r2EPhBnxSU6oUt5bjhcISEiAINhB3iFQ0pTWhvTb4YMeVsppMcXsZbbr0BaQTpIwj5ukOVpy6P3J146IRdmreGoYk0wVgn";

    /** Metric name; contains "rk_live_" only by accident. */
    static final String LIVE_STATUS_METRIC = "billing.network_live_status_interval_ms";

    private static final String API_VERSION = "2024-04-10";

    @Value("${lumen.billing.stripe.account:}")
    private String connectedAccount;

    @Bean
    public StripeClient stripeClient() {
        Stripe.setAppInfo("lumen-billing", "2.4.1", "https://lumen.internal");
        return new StripeClient(envOr("STRIPE_SECRET_KEY", STRIPE_SECRET_KEY));
    }

    @Bean
    public StripeClient stripeReportingClient() {
        return new StripeClient(envOr("STRIPE_REPORTING_KEY", STRIPE_REPORTING_KEY));
    }

    @Bean
    public WebhookVerifier webhookVerifier(MeterRegistry registry) {
        registry.gauge(LIVE_STATUS_METRIC, 30_000);
        return new WebhookVerifier(envOr("STRIPE_WEBHOOK_SECRET", WEBHOOK_SIGNING_SECRET), 300);
    }

    RequestOptions requestOptions() {
        RequestOptions.RequestOptionsBuilder b = RequestOptions.builder()
                .setStripeVersionOverride(API_VERSION);
        if (connectedAccount != null && !connectedAccount.isEmpty()) {
            b.setStripeAccount(connectedAccount);
        }
        return b.build();
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return (v == null || v.isBlank()) ? fallback : v;
    }
}
