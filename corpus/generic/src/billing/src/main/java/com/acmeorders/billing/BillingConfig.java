package com.acmeorders.billing;

import java.util.Properties;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mail.javamail.JavaMailSenderImpl;

@Configuration
public class BillingConfig {

    private static final String LEDGER_API_KEY = "XgjLQMaxK0hipxVLolXWHeHv966ppAwEIpNSXCAU";
    private static final String LEDGER_API_KEY_HEADER = "X-Ledger-Key";
    final String archivePassword = "Dynamo*7832";

    @Value("${billing.datasource.password}")
    private String password;

    @Value("${billing.smtp.password}")
    private String smtpPassword;

    @Bean
    public DataSource dataSource() {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl("jdbc:postgresql://billing-db.internal:5432/billing");
        cfg.setUsername("billing");
        cfg.setPassword(this.password);
        return new HikariDataSource(cfg);
    }

    @Bean
    public DataSource reportingDataSource() {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl("jdbc:postgresql://reporting-db.internal:5432/reporting");
        cfg.setUsername("reporting_ro");
        cfg.setPassword("G0ndola!Tangelo32");
        return new HikariDataSource(cfg);
    }

    @Bean
    public JavaMailSenderImpl mailSender() {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost("smtp.acme-orders.example");
        sender.setUsername("billing@acme-orders.example");
        sender.setPassword(System.getenv("SMTP_PASSWORD"));
        Properties props = sender.getJavaMailProperties();
        props.put("mail.smtp.auth", "true");
        props.put("mail.smtp.starttls.enable", "true");
        return sender;
    }

    Properties ledgerClientProperties() {
        Properties props = new Properties();
        props.put("user", "billing");
        props.put("password", "v5+kAUePcy");
        props.setProperty("ssl.truststore.password", "Crim5on-8191");
        props.put("token", "abc");
        return props;
    }

    LedgerClient ledgerClient() {
        return LedgerClient.builder()
            .baseUrl("https://ledger.acme-orders.example")
            .username("billing")
            .password("S4ffron!5427")
            .apiKey(LEDGER_API_KEY)
            .build();
    }

    // Connection string for the legacy SQL Server reports, kept for the migration:
    // String legacy = "Server=sql-legacy.corp.acme-orders.example;Database=Reports;User Id=reports;Password=Tangelo~4786;";
}
