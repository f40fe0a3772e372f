"""Tests for token authentication on the Lumen API.

FAKE test fixture for keysift: the token below was minted for a test realm
that never existed.
"""
import uuid

import pytest
from django.test import Client

from lumen_api.auth import decode_token, TokenExpired

# Captured from staging before the signing key was rotated.
ADMIN_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcHMtYWRtaW4iLCJyb2xlIjoiYWRtaW4iLCJpc3MiOiJodHRwczovL2F1dGgubHVtZW4uaW50ZXJuYWwiLCJpYXQiOjE3MTgwMDAwMDAsImV4cCI6MTg5MzQ1NjAwMH0.k2njJ7o9Y4G6S2t9A4shzl2JRJbFOvo5k6wXaM15TTY"

DEVICE_ID = uuid.UUID("8c0e4275-86df-4f36-933c-e9f68c3a95d1")
REQUEST_ID = "2e4a3700-0486-4953-819a-8036ed31059e"


@pytest.fixture
def client():
    return Client(HTTP_X_REQUEST_ID=REQUEST_ID)


def test_admin_token_grants_device_list(client):
    resp = client.get("/v1/devices", HTTP_AUTHORIZATION=f"Bearer {ADMIN_TOKEN}")
    assert resp.status_code == 200


def test_missing_token_is_rejected(client):
    resp = client.get("/v1/devices")
    assert resp.status_code == 401


def test_login_rejects_empty_password(client):
    resp = client.post("/v1/login", {"username": "ops", "password": ""},
                       content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["field"] == "password"


def test_login_form_shows_hint(client):
    resp = client.get("/v1/login")
    assert resp.json()["password_hint"] == "ask the admin"


def test_decode_rejects_garbage():
    with pytest.raises(ValueError):
        decode_token("not-a-token")


def test_device_ids_are_uuids():
    assert DEVICE_ID.version == 4
