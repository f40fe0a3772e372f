"""Analytics exports for the Lumen data warehouse (nightly job)."""
import os

MIXPANEL_PROJECT_ID = 2690017
MIXPANEL_SA_USERNAME = "warehouse-export.4c7e21.mp-service-account"
MIXPANEL_SA_SECRET = "NTNxS8iIv8Wzqjhu6EOzyZbZylOAuT7K"
MIXPANEL_API_SECRET = "06c47e2dc3312ab60ed2a39998381d3a"

SEGMENT_PUBLIC_API_TOKEN = "sgp_qL28Q10kPlKeM0wYKApGgAmTck2nPNWxgaZGV0iXZJXeLuqVZPDlkXnnuPzvZ9iB"

BUGSNAG_AUTH_TOKEN = "210dbcc2-ed3c-42f3-bac8-79e42cbd2c40"
BUGSNAG_PROJECT_ID = "50baee27a43ccdf778000002"

AXIOM_ORG_ID = "lumen-x1y2"
AXIOM_TOKEN = os.environ.get("AXIOM_TOKEN", "xapt-9205985f-6e20-4e30-bfa1-75cc083da894")

HONEYCOMB_MANAGEMENT_KEY = "hcamk_01gwb2x0v1wgqvmdt5e5azv8bw:jftpjhtomu8nyrjv5toubmivnztz3g8j"
HONEYCOMB_API_KEY = "EUumJbtkAR46jOU4d6AIws"

POSTHOG_FLAGS_SECRET = "phs_p6PNDNT2O5D9h418cUW1i2nQW65z795TlXvWeXuQ9Zb5m0D"
