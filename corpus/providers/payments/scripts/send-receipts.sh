#!/bin/sh
# Sends the monthly receipts through Mailgun (old account, key- style API key).
set -eu
DOMAIN=mg.lumen-hub.test
curl -s --user 'api:key-d0dvclalarzjf4yslpzxrqlx0galgw2a' \
  "https://api.mailgun.net/v3/$DOMAIN/messages" \
  -F from="Lumen Billing <billing@$DOMAIN>" -F to="$1" -F subject="Your receipt" -F text=@receipt.txt
