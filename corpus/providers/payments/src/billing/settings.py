"""Billing service settings (Django)."""
import os

import braintree

DEBUG = False
ALLOWED_HOSTS = ["billing.lumen-hub.test"]

# Braintree: API keys of the "billing-svc" API user
BRAINTREE_MERCHANT_ID = "3hsomx01lwzxbibs"
BRAINTREE_PUBLIC_KEY = "sqfonojihhz69nl2"
BRAINTREE_PRIVATE_KEY = "3da4212ca9389c792beb3180dec39b89"
# Braintree Auth (marketplace sellers)
BRAINTREE_OAUTH_CLIENT_ID = "client_id$production$zu6v94wsfpl8t7d9"
BRAINTREE_OAUTH_CLIENT_SECRET = "client_secret$production$b25d782cb1857fe2b08ff3d2404623d0"
DEMO_SELLER_ACCESS_TOKEN = "access_token$production$ycjjub5b41uknkq8$826fe9f06138e2ea2099679eedea474d"

# PayPal REST (wallet payments)
PAYPAL_CLIENT_ID = "AjM1GnrpNj5JiMFkopwWwSPn_bsJ7ZMiKCGSQ0t2SvMEri34ixwiD3rosfG0SB7XMwff64yyVphFazlD"
PAYPAL_CLIENT_SECRET = "Et7JEbQc4T5SDHTUNRI2yLoVqDPFUeqxcRy1OdWbIZqGincb1aKC61D4gnDsGT3PEU8JYeTQTpDHjf3v"

# Plaid (bank account verification)
PLAID_CLIENT_ID = "f9a5066d53cb0858e3ada4b4"
PLAID_SECRET = "adb7587f19cd80eef85ec5ba9c94a8"
PLAID_TEST_ACCESS_TOKEN = "access-sandbox-7c37229a-4c27-48e9-88d7-27fecafbc1e8"

# Mollie organization token used by the settlement report job
MOLLIE_ACCESS_TOKEN = "access_jFOS6ms10UOkTvkqwpuNDQAG8yJtJ3kjuieVrQBi"

# Wise payouts to installers
WISE_API_TOKEN = "6098796c-c8ef-4bc8-ba57-14e43270dc4e"
WISE_PROFILE_ID = 16453092

STRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]

gateway = braintree.BraintreeGateway(
    braintree.Configuration(
        braintree.Environment.Production,
        merchant_id=BRAINTREE_MERCHANT_ID,
        public_key=BRAINTREE_PUBLIC_KEY,
        private_key=BRAINTREE_PRIVATE_KEY,
    )
)
