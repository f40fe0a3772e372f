"""Bridges the Tuya plugs and the bench broker into the Lumen cloud."""
import os

import paho.mqtt.client as mqtt
import tinytuya
from tuya_connector import TuyaOpenAPI

PLUG_ID = os.environ["LUMEN_PLUG_ID"]

client = mqtt.Client(client_id="lumen-bridge")
client.username_pw_set("lumen-bridge", "VYrdRqePrvD%e2")
client.tls_set()

# Tuya plug on the bench LAN (tinytuya device entry)
PLUG = {"id": PLUG_ID, "ip": "192.168.40.21", "version": 3.3,
        "local_key": "$-G7&RjmEi3:78XI"}
plug = tinytuya.OutletDevice(PLUG["id"], PLUG["ip"], PLUG["local_key"])

# Cloud API (reads the credentials from the environment, not reported)
openapi = TuyaOpenAPI("https://openapi.tuyaeu.com", os.environ["TUYA_ACCESS_ID"], os.environ["TUYA_ACCESS_SECRET"])
