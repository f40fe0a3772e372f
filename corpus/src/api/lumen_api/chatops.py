"""ChatOps bot for the on-call channel (Slack Socket Mode).

FAKE test fixture for keysift: both tokens below are made up.

Commands:
  /lumen status <device>   show last telemetry frame
  /lumen reboot <device>   queue a remote reboot (on-call only)
"""
import logging
import re

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from .devices import DeviceRegistry

log = logging.getLogger(__name__)

BOT_TOKEN = "xoxb-40714572272-2978780951853-2uLngMLttiVD3RszHCOCu9tM"
APP_LEVEL_TOKEN = "xapp-1-AAJ3JFJGH3S-5503057754292-0f5b1758a7280870e9f28b7e5e8e348113f89e109a498a65bcd4557593d2d693"
ONCALL_GROUP = "S06LUMENONCALL"
DEVICE_ID = re.compile(r"^lumen-hub-\d{6}$")

app = App(token=BOT_TOKEN)
registry = DeviceRegistry()


@app.command("/lumen")
def handle(ack, respond, command):
    ack()
    parts = command.get("text", "").split()
    if len(parts) != 2 or not DEVICE_ID.match(parts[1]):
        respond("usage: /lumen status|reboot lumen-hub-NNNNNN")
        return
    verb, device = parts
    if verb == "status":
        frame = registry.last_frame(device)
        respond(f"{device}: {frame}" if frame else f"{device}: no telemetry yet")
    elif verb == "reboot":
        if ONCALL_GROUP not in command.get("user_groups", []):
            respond("reboot is limited to the on-call group")
            return
        registry.queue_reboot(device, requested_by=command["user_id"])
        respond(f"reboot queued for {device}")
    else:
        respond(f"unknown command {verb!r}")


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    SocketModeHandler(app, APP_LEVEL_TOKEN).start()


if __name__ == "__main__":
    main()
