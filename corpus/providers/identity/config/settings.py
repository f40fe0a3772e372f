"""Lumen analytics worker settings (FAKE credentials for the keysift corpus)."""
import os

SNOWFLAKE_ACCOUNT = "acme-xy12345"
SNOWFLAKE_USER = "LUMEN_ETL"
SNOWFLAKE_PASSWORD = "-I&17!lC?9M?%0"
SNOWFLAKE_WAREHOUSE = "ETL_WH"

DATABRICKS_HOST = "https://adb-5555555555555555.19.azuredatabricks.net"
DATABRICKS_TOKEN = "dapid5e247e5092a6d58b6c16f98a4d7f60c"

# Atlas Administration API (service account)
MONGODB_ATLAS_CLIENT_ID = "mdb_sa_id_ec7b4a0d1e797be2a127fba0"
MONGODB_ATLAS_CLIENT_SECRET = "mdb_sa_sk_HhDaQvLj2nkaIZ1UUjd0yLH3LYPwiIlERuVZ4Mlf"
MONGODB_ATLAS_ORG_ID = os.environ.get("MONGODB_ATLAS_ORG_ID", "")

CLICKHOUSE_KEY_ID = "8FEQuAOLJaCH2RIqvBeI"
CLICKHOUSE_KEY_SECRET = "4b1dsViAlksBz1rGv8rK8im2sb4CGfedIfbozTY1tP"

REDIS_CLOUD = {
    "base_url": "https://api.redislabs.com/v1",
    "x-api-key": os.environ.get("REDISCLOUD_ACCESS_KEY"),
    "x-api-secret-key": "Ak8IuPoyaJ1ag0Si8rlefz9lg91mCfsJDInpAzvZZQxJClMMEL",
}

PLANETSCALE_SERVICE_TOKEN_ID = "8sgk1abc0x2d"
PLANETSCALE_SERVICE_TOKEN = "pscale_tkn_5-pDQkcX1p-nXZRgHWPoAdIzl08K32traMlSRnO3ts6"

KEYCLOAK_SERVER_URL = "https://sso.lumen.acme.test/realms/lumen"
KEYCLOAK_CLIENT_ID = "lumen-worker"
KEYCLOAK_CLIENT_SECRET = "SRbFtVJsTLFGuObfq8uqti4ITSYVDvxp"

OKTA_ISSUER = "https://lumen.okta.com/oauth2/default"
OKTA_CLIENT_ID = "0oa5Bpgeg2ecLC9Uhpv3"
OKTA_CLIENT_SECRET = "lJcMKjc28OwkdLfx3JDZofwDsblbdCdCQp2EKz00uVPN53oxvDwHVWRUDm15oMqW"

ONELOGIN_CLIENT_ID = "151c4a0b5494f095ffe203b2b2ffe331beaacf22051c6b662ba9a00a0de065cc"
ONELOGIN_CLIENT_SECRET = "8c60a222799c83059840b17970437f4e6f7945f9ee69b8f6a857085a88b148e5"

# Secrets are read from the environment in every other place:
SUPABASE_SERVICE_ROLE_KEY = os.environ["SUPABASE_SERVICE_ROLE_KEY"]
AUTH0_CLIENT_SECRET = os.getenv("AUTH0_CLIENT_SECRET")
