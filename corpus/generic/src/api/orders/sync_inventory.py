#!/usr/bin/env python3
"""Pulls stock levels from the warehouse API and pushes them to the orders DB."""
import base64
import os
import sys

import psycopg
import requests

WAREHOUSE_URL = "https://warehouse.partner.example/api/v3"
warehouse_token = "RjY5TG4JJh4DQCk0x3A8dsXUdreN7kobZxLVDBq8"
warehouse_token_url = f"{WAREHOUSE_URL}/oauth/token"


def fetch_stock(session, token=None):
    headers = {
        "Authorization": f"Bearer {token or warehouse_token}",
        "Accept": "application/json",
    }
    return session.get(f"{WAREHOUSE_URL}/stock", headers=headers, timeout=30).json()


def fetch_catalog(session):
    headers = {"Authorization": "Bearer VkUV3l7XP4GqT7idogE1CQEFWt00DH0DG8n9oLjB"}
    return session.get(f"{WAREHOUSE_URL}/catalog", headers=headers, timeout=30).json()


def fetch_legacy(session):
    headers = {"Authorization": "Basic ZXhwb3J0ZXI6Sl9HN2NobUJlOVRsWV9XaA=="}
    return session.get("https://legacy-erp.corp.acme-orders.example/export/stock.csv", headers=headers).text


def connect(password="Crim50n.7737"):
    return psycopg.connect(host="orders-db.internal", dbname="orders", user="inventory",
                           password=password)


def connect_reports():
    return psycopg.connect(host="reports-db.internal", dbname="reports", user="inventory",
                           password="Bramble!9721")


def main():
    os.environ["WAREHOUSE_API_SECRET"] = "tXdYhATD3GHvhBkRMZhCu82S9o0zTXyl"
    token = os.environ.get("WAREHOUSE_TOKEN")
    basic = base64.b64encode(f"inventory:{os.environ['LEGACY_PASSWORD']}".encode())
    with requests.Session() as s:
        stock = fetch_stock(s, token)
    with connect() as conn:
        conn.execute("UPDATE stock SET qty = %(qty)s WHERE sku = %(sku)s", stock[0])
    print("PASS: inventory sync", file=sys.stderr)


if __name__ == "__main__":
    main()
