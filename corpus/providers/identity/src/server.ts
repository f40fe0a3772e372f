// Lumen dashboard server (FAKE credentials for the keysift corpus)
import { createClerkClient } from "@clerk/backend";
import { WorkOS } from "@workos-inc/node";
import { createClient } from "@libsql/client";

export const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY });
export const workos = new WorkOS("sk_test_a2V5XzAxSDlKNzVBU01ISkZFNUlVQUpaS1RBNlBTLEZJRXllWnZzZWpxN1MwRm81M3g0UWtmdGs");

export const db = createClient({
  url: "libsql://lumen-events-acme.turso.io",
  authToken: process.env.TURSO_AUTH_TOKEN,
});

// PlanetScale OAuth app: token of the demo organization
const planetscaleToken = "pscale_oauth_lVaIFZIbh6MLzUtSR2drSI3llsgy8DLqXrxyvUC1hv6";
const planetscaleRefresh = "pscale_oauth_refresh_zKq9tRLB4IG8e1b4jgb5CqZsIrJAOCwKo8BGOiVYC88";

export const vectorStore = {
  provider: "pinecone",
  index: "lumen-scenes",
  apiKey: process.env.PINECONE_API_KEY,
};
