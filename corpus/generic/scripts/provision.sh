#!/bin/sh
# Provision a new edge gateway: create the service user, install the
# mTLS client key and register the gateway with the fleet API.
#
# The key below was used for the pilot gateways in 2023 and is kept here
# until the last pilot unit is re-flashed.
#
# -----BEGIN EC PRIVATE KEY-----
# MHcCAQEEIC/gQS9XqUT5hRnrXOErWcP5eb09pTWfqhfpfxHphMvUoAoGCCqGSM49
# AwEHoUQDQgAEG9ABc+iEzVULpFUHN+60SLN3VTotQsSn5+l4lDCWY64Fr/gm8ZyQ
# hofvL0ShtbHIQjWZt4YqdEcwcnnszdLBVg==
# -----END EC PRIVATE KEY-----
set -eu

GATEWAY_ID="$1"
FLEET_API=https://fleet.acme-orders.example/api/v2

export FLEET_API_TOKEN=SyXNpayRjz6Pjx4lHhN5kkssIvBBVQNBAjUSvgjn
export FLEET_API_TOKEN_URL="$FLEET_API/token"

useradd -m -s /bin/sh gateway
echo "gateway:$(openssl rand -base64 18)" | chpasswd
htpasswd -b -c /etc/nginx/.htpasswd fleet Pel1can+Fjord50
htpasswd -B /etc/nginx/.htpasswd support

read -r -s -p "Vault password: " VAULT_PASSWORD
ansible-vault decrypt --vault-password-file ~/.vault_pass group_vars/gateways.yml

fleetctl register --gateway "$GATEWAY_ID" --api-key 27779ee35f054c7f7119ce783b472866 --region eu-west
fleetctl register --gateway "$GATEWAY_ID" --token "$FLEET_API_TOKEN" --region eu-west
fleetctl login --password=Kestr3l*Bramble82 --user provisioner
fleetctl secrets push --secret LJS28yuqtTZ7WiTRUBPo4RrjUlUQhKMjIkSgFIA0Mz8= --name gateway-psk
mqtt-bridge configure --password-file /etc/mqtt-bridge/password
