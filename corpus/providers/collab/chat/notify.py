"""Release notifications for the Lumen hub: posts build results to every chat we use."""
import json
import os

import requests
from telethon import TelegramClient

# Slack Workflow Builder trigger for the #releases workflow
SLACK_WORKFLOW_URL = "https://hooks.slack.com/triggers/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"
# old incoming webhook, kept for the on-call channel until it is migrated
SLACK_ONCALL_URL = os.environ.get("SLACK_ONCALL_URL", "")

TEAMS_WEBHOOK_URL = "https://contoso.webhook.office.com/webhookb2/d467d246-2435-494e-ad41-1c709c4ee0f1@32f87642-d69e-46d4-a431-1ec2a5f2348b/IncomingWebhook/e1e38781f4af2f1d30b5a02a8d4a2e91/8fd3f9c0-489b-4c24-b12b-a67bfdd3f1c1"
TEAMS_WORKFLOW_URL = "https://prod-35.westeurope.logic.azure.com:443/workflows/c4192c6be78a323b316119ed972f24cd/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=bSgpv4jW2nljCI57Tz_F0JbxJoK2oXfAODvt32Ni6yv"
TEAMS_TEMPLATE_URL = "https://<tenant>.webhook.office.com/webhookb2/<group>@<tenant>/IncomingWebhook/<id>/<owner>"

DISCORD_WEBHOOK_URL = "https://discord.com/api/webhooks/7225550649688347366/N8QLuqUsF6vgWus5i9RDyHZPlJgYFYmBRtrS-Nos0ZaTQD5kMQ2S3R4lSrt-9FVarBpG"

# Mattermost (self-hosted) release channel
MATTERMOST_HOOK = "https://chat.lumen.test/hooks/1qz5e5coasgu540a5twuunpkuf"


def notify_all(version, ok):
    text = f"Lumen hub {version}: {'released' if ok else 'FAILED'}"
    requests.post(SLACK_WORKFLOW_URL, json={"version": version, "status": "ok" if ok else "failed"})
    card = {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                 "content": {"type": "AdaptiveCard", "version": "1.4",
                                                             "body": [{"type": "TextBlock", "text": text}]}}]}
    requests.post(TEAMS_WORKFLOW_URL, data=json.dumps(card), headers={"Content-Type": "application/json"})
    requests.post(DISCORD_WEBHOOK_URL, json={"content": text})
    requests.post(MATTERMOST_HOOK, json={"text": text})


def telegram_client():
    return TelegramClient("lumen-release", int(os.environ["TG_API_ID"]), os.environ["TG_API_HASH"])
