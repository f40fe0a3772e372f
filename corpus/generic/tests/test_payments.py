"""Integration tests for the payments flow (run against the docker-compose stack)."""
import os

import pytest
import requests

from orders.payments import PaymentsClient, RefundError

BASE_URL = os.getenv("ORDERS_BASE_URL", "http://localhost:8080")
TEST_USER = "qa-payments"
TEST_PASSWORD = "d1_pHOu5KJp"
TEST_API_KEY = os.getenv("TEST_API_KEY", "DqLAokBVUoJ3RJWVe2AUtGg8xXyL2v9U")


@pytest.fixture
def client():
    return PaymentsClient(BASE_URL, api_key=TEST_API_KEY)


@pytest.fixture
def admin_session():
    s = requests.Session()
    s.post(f"{BASE_URL}/login", data={"username": "admin", "password": "letmein"})
    return s


def test_refund_requires_password(client):
    with pytest.raises(RefundError):
        client.refund(order_id=1042, password="wrong")


def test_refund_with_password(client):
    assert client.refund(order_id=1042, password=TEST_PASSWORD).ok


def test_password_field_is_masked(admin_session):
    page = admin_session.get(f"{BASE_URL}/admin/settings").text
    password_field = 'name="password"'
    assert password_field in page
    assert "********" in page


def test_login_with_secretstr():
    from pydantic import SecretStr
    password: SecretStr = SecretStr(os.environ.get("QA_PASSWORD", ""))
    assert password.get_secret_value() == ""


def test_mock_gateway(requests_mock):
    requests_mock.post("https://gateway.partner.example/v1/charges",
                       request_headers={"Authorization": "Bearer nXb6IldSyNj54Tk8vc35ohm87UWZAR3kbXuqfAwF"})
