"""Outbound notifications: Slack alerts, SMS via Twilio, e-mail via SendGrid.

FAKE test fixture for keysift: every token in this file is made up.
"""
import logging
from dataclasses import dataclass

from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Mail
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from twilio.rest import Client as TwilioClient

log = logging.getLogger(__name__)

SLACK_BOT_TOKEN = "xoxb-337631912425-1881569925052-eTdlbVw2Tl0JvnteQJODeZ7v"
SLACK_ALERT_CHANNEL = "#lumen-alerts"

# The Account SID is an identifier, not a credential.
TWILIO_ACCOUNT_SID = "AC0c1b337a5175fec8b3597f1859afe171"
TWILIO_API_KEY_SID = "SK62a29c566322ac570157313b6c7c2e57"
TWILIO_AUTH_TOKEN = "279f702902e6383fd1ff80a6c276f882"
TWILIO_FROM_NUMBER = "+493012345670"

SENDGRID_API_KEY = "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"
MAIL_FROM = "alerts@lumen.internal"


@dataclass
class Alert:
    device_id: str
    severity: str
    summary: str
    phone: str | None = None
    email: str | None = None


def notify_slack(alert: Alert) -> bool:
    client = WebClient(token=SLACK_BOT_TOKEN)
    text = f":rotating_light: [{alert.severity}] {alert.device_id}: {alert.summary}"
    try:
        client.chat_postMessage(channel=SLACK_ALERT_CHANNEL, text=text)
    except SlackApiError as exc:
        log.warning("slack post failed: %s", exc.response.get("error"))
        return False
    return True


def send_sms(alert: Alert) -> bool:
    if not alert.phone:
        return False
    client = TwilioClient(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)
    message = client.messages.create(
        body=f"Lumen {alert.severity}: {alert.summary}",
        from_=TWILIO_FROM_NUMBER,
        to=alert.phone,
    )
    log.info("sms queued sid=%s", message.sid)
    return True


def send_email(alert: Alert) -> bool:
    if not alert.email:
        return False
    mail = Mail(
        from_email=MAIL_FROM,
        to_emails=alert.email,
        subject=f"[Lumen] {alert.severity} on {alert.device_id}",
        plain_text_content=alert.summary,
    )
    response = SendGridAPIClient(SENDGRID_API_KEY).send(mail)
    return 200 <= response.status_code < 300


def dispatch(alert: Alert) -> None:
    sent = notify_slack(alert)
    if alert.severity in ("critical", "high"):
        sent = send_sms(alert) or sent
    sent = send_email(alert) or sent
    if not sent:
        log.error("alert for %s was not delivered anywhere", alert.device_id)
