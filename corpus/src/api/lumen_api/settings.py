"""Runtime settings for the Lumen cloud API.

FAKE test fixture for keysift: the credentials in this module are invented.
Production reads everything sensitive from the environment; the hardcoded
values below are what a hurried "temporary" commit looks like.
"""
import os
from pathlib import Path

from .secrets_backend import get_password

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = os.environ.get("LUMEN_DEBUG", "0") == "1"
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = ["api.lumen.internal", "localhost", "127.0.0.1"]

# --- database ---------------------------------------------------------------
DATABASE_URL = "postgres://lumen_app:obRHwWu5dQmCiUhgJqOe@db-primary.lumen.internal:5432/lumen"
db_user = "lumen_app"
db_password = "uNY1Igcw57Qlp8dg7Sd"
replica_password = get_password("db/replica")

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "lumen",
        "USER": db_user,
        "PASSWORD": db_password,
        "HOST": "db-primary.lumen.internal",
        "PORT": 5432,
        "CONN_MAX_AGE": 60,
    },
    "replica": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "lumen",
        "USER": "lumen_ro",
        "PASSWORD": replica_password,
        "HOST": "db-replica.lumen.internal",
        "PORT": 5432,
    },
}

# --- login form -------------------------------------------------------------
password_field_name = "password"
password_hint = "ask the admin"
PASSWORD_MIN_LENGTH = 12
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- object storage ---------------------------------------------------------
AWS_REGION = "eu-central-1"
AWS_ACCESS_KEY_ID = "AKIAUNGEIJ3PZPFIZD2O"
AWS_SECRET_ACCESS_KEY = "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"
MEDIA_BUCKET = "lumen-media-prod"
MEDIA_URL = f"https://{MEDIA_BUCKET}.s3.{AWS_REGION}.amazonaws.com/"

# --- payments ---------------------------------------------------------------
STRIPE_PUBLISHABLE_KEY = "pk_live_51B8r2EPhBnxSU6oUt5bjhcISEiAINhB3iFQ0pTWhvTb4YMeVsppMcXsZbbr0BaQTpIwj5ukOVpy6P3J146IRdmreGoYk0wVgn"
STRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]
STRIPE_WEBHOOK_SECRET = os.getenv("STRIPE_WEBHOOK_SECRET", "")

# --- misc -------------------------------------------------------------------
SUPPORT_TENANT_ID = "5a444cb7-bff2-4252-9afa-75d7b055dd38"
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "DEBUG" if DEBUG else "INFO"},
}
