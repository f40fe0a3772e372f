#!/bin/sh
# Bootstrap a developer workstation (FAKE credentials for the keysift corpus)
set -eu

export VAULT_ADDR=https://vault.internal.acme.test:8200
export VAULT_TOKEN=s.uXAHzLIpQfxAl7C4dbn44EAW

# Okta: list the lumen-admins group members
curl -s -H "Accept: application/json" \
  -H "Authorization: SSWS 00iYapHxUD75oMftrCmssMe0ZdN6qIlPxemJRvJvkF" \
  "https://lumen.okta.com/api/v1/groups/00g1abcd2EFGH3ijk4l5/users"

# Doppler personal and CLI tokens of the on-call engineer
doppler configure set token dp.pt.iM07TQ0N9dvF8WsVwBoLEXSROAu0D2K33FLjt4pL5oD --scope /srv/lumen
echo "dp.ct.30AaLRf3b0DsYH9ygeXw5vuXLVGdepMRg1knRjIYVcv" > ~/.doppler/token
curl -s -u "dp.scim.RYir34YmfzV5o6jgU0yFu3KFA4D4OkE8PjvMXWVajGM:" https://api.doppler.com/scim/v2/Users

infisical export --env=prod --token=st.c73351b9-adc2-48aa-8999-d5c64620c689.6e333713666a67088109c7163ff77215.aae48c7d32d94c514d3f830072d6540e > .env.infisical
bws secret list --access-token "${BWS_ACCESS_TOKEN}" --output env
akeyless configure --profile default --access-id p-v6h7eaj9fnwv --access-key REQYrva1z6oUH1AaaykmndWW2nS/rBhh1OkhUsmFKFU=

export STYTCH_SECRET_KEY='secret-live-DWimlwxu1T51YWqjc5L8hWPBIUXoEgtx5dFm'
curl -s -u "${STYTCH_PROJECT_ID}:${STYTCH_SECRET_KEY}" https://api.stytch.com/v1/users/search -d '{}'
curl -s -H "Authorization: Bearer sbp_oauth_6b574df1106a154205904bad9b95bf4e41f51bc9" https://api.supabase.com/v1/projects
curl -s -H "Authorization: ApiKey dElIdHpEY1lCMXp4VDFIcFRyQTE6NlozX2hId1A2U3hvTHhyLWxHdWp3bA==" https://lumen-logs.es.eu-west-1.aws.elastic.cloud/_cat/indices
