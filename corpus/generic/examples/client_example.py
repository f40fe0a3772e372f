"""Minimal example of calling the orders API from Python.

Replace the placeholders below with your own credentials.
"""
import requests

API_URL = "https://api.acme-orders.example/v2"
API_KEY = "<your-api-key>"
USERNAME = "your-username"
PASSWORD = "your-password-here"
CLIENT_SECRET = "XXXXXXXXXXXXXXXXXXXXXXXX"
WEBHOOK_SECRET = "..."
SANDBOX_TOKEN = "dummy"
DEMO_PASSWORD = "example"
# This one is a real sandbox key someone pasted while testing:
SANDBOX_API_KEY = "puQdCw04cb89apLK15a0noJIRJc7o42D6vgnZ3AK"

resp = requests.get(f"{API_URL}/orders", headers={"X-Api-Key": API_KEY}, timeout=10)
print(resp.json())
