"""Seller marketplace sync (legacy MWS reports)."""
import os

SELLER_ID = "A3NKQ81TRN5FZ2"
MWS_AUTH_TOKEN = "amzn.mws.662dc2a8-29ac-46d3-9977-a2713f6984c6"
MWS_ENDPOINT = "https://mws-eu.amazonservices.com"
DEVELOPER_ID = os.environ.get("MWS_DEVELOPER_ID", "")
