"""Analytics exports for the Lumen data warehouse (nightly job)."""
import os

MIXPANEL_PROJECT_ID = 2690017
MIXPANEL_SA_USERNAME = "warehouse-export.4c7e21.mp-service-account"
MIXPANEL_SA_SECRET = "skHYUvqSdyJIy1dLmD01Od0tjEtYmSDM"
MIXPANEL_API_SECRET = "2a2d5c9701eaad0357ea5882f0372f1e"

SEGMENT_PUBLIC_API_TOKEN = "sgp_JhgNhVC25mmVavofbjD2g8CqzW06OxcC35g7rX8h1eLSB2oO1JGwioOZoi5EJfqm"

BUGSNAG_AUTH_TOKEN = "eb076242-75e7-433a-8c33-31fd3c0da574"
BUGSNAG_PROJECT_ID = "50baee27a43ccdf778000002"

AXIOM_ORG_ID = "lumen-x1y2"
AXIOM_TOKEN = os.environ.get("AXIOM_TOKEN", "xapt-80d525aa-a5ad-45e2-8120-e3d28562ca0b")

HONEYCOMB_MANAGEMENT_KEY = "hcamk_01kzczcnhg24125bskd3jtgy1j:l4z9ltreinvfdd0dcuzdhtxmb35useue"
HONEYCOMB_API_KEY = "uU591i2CvFaznUWjwpTRqt"

POSTHOG_FLAGS_SECRET = "phs_EDIbErqwXDyhUzRUpXT0bcLKT5wmFJV7mcwe6UlNzNW1ARS"
