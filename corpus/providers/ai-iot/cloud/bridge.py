"""Bridges the Tuya plugs and the bench broker into the Lumen cloud."""
import os

import paho.mqtt.client as mqtt
import tinytuya
from tuya_connector import TuyaOpenAPI

client = mqtt.Client(client_id="lumen-bridge")
client.username_pw_set("lumen-bridge", "VYrdRqePrvD%e2")
client.tls_set()

plug = tinytuya.OutletDevice("bf3a1c2d4e5f6a7b8c9d0e", "192.168.40.21", "$-G7&RjmEi3:78XI")

# Cloud API (reads the credentials from the environment, not reported)
openapi = TuyaOpenAPI("https://openapi.tuyaeu.com", os.environ["TUYA_ACCESS_ID"], os.environ["TUYA_ACCESS_SECRET"])
