package com.acmeorders.billing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

@Testcontainers
class InvoiceSignerTest {

    // Ed25519 key used to sign invoices in the integration environment.
    private static final String SIGNING_KEY_PEM = "-----BEGIN PRIVATE KEY-----\n" +
        "MC4CAQAwBQYDK2VwBCIEIC814OWazoaimNmFDC/5buRL5kJs1Rf53MaP4ZUo7/GS\n" +
        "-----END PRIVATE KEY-----\n";

    @Container
    static PostgreSQLContainer<?> db = new PostgreSQLContainer<>("postgres:16")
        .withDatabaseName("billing")
        .withUsername("billing")
        .withPassword("test");

    @Container
    static PostgreSQLContainer<?> reporting = new PostgreSQLContainer<>("postgres:16")
        .withPassword("Saffron-Cinder56");

    @Test
    void signsInvoice() {
        InvoiceSigner signer = new InvoiceSigner(SIGNING_KEY_PEM);
        assertTrue(signer.verify(signer.sign("INV-2024-0001".getBytes())));
    }

    @Test
    void rejectsWrongPassword() {
        String password = db.getPassword();
        assertTrue(password.length() > 0);
    }
}
