#!/bin/sh
# Release the hub firmware and the cloud services (run by hand from a build host).
set -eu

VERSION="${1:?usage: release-cloud.sh VERSION}"

docker login lumenacr.azurecr.io -u lumenacr -p Z4MAFbbu/mU/5NWOpq5S9Sn+RSS/JX8SbYaJC7qphIqp5yphidP2
docker push "lumenacr.azurecr.io/hub-api:$VERSION"

az storage blob upload --account-name lumenfw --account-key 6YI3hZGN+a0Mf7ipRZfKvAvCDEjpPE3WGu1gWqiFAzd3PtSWyiLbkh7Hl8LeE2uhgqBESMNmXSoxyWjDCeYw3g== -c firmware -f "build/hub-$VERSION.bin"

git clone https://ci:lvq2slbj42xu3u3lbe7wkygaj4anyyagyzsfb5loat3zblcouj2z@dev.azure.com/lumen/hub/_git/hub-config /tmp/hub-config

curl -sf -X POST "https://lumen-events.servicebus.windows.net/releases/messages" \
  -H "Authorization: SharedAccessSignature sr=lumen-events.servicebus.windows.net%2Freleases&sig=w%2Bboob%2F%2BFPYcwrfuZw%2FkIQ0lXPAr%2BYLzYyQ77LE7xU0%3D&se=1924992000&skn=send" \
  -d "{\"version\": \"$VERSION\"}"

curl -sf -H "X-Auth-User-Service-Key: v1.0-6c7384321250223e7862a587-a8c74fa3b8e2ea7d0d80e65e3f39bde20ec7f0f51f67fcabc63133a71dade5e2e2a3b3412a4f812a396acb6bea18df0b9d722c870ecb7f6e8766d3ad49262d81d4ddd769c3dc101100" \
     https://api.cloudflare.com/client/v4/certificates?zone_id=0f3c1e2d
curl -sf -H "X-Auth-Email: ops@lumen.test" -H "X-Auth-Key: a5f1f2ee1bc77be86110969e2fef1cfa5b0fe" -X POST \
     https://api.cloudflare.com/client/v4/zones/0f3c1e2d/purge_cache

curl -sf -H "Authorization: Bearer ya29.a0MJD60WyILwe94yKu5UHMCALlJ-u44vQ7YptTfhZCZ6SsKX72w87skZDyh53nGO748prWjVxS_O__JKwjhpA-D2f7ggZqPIM5qbDEO9A5efZCeGFvglhHkQ-1n_PsGRrL2vrpQGmrlLuTxhCUU_GITI" \
  "https://storage.googleapis.com/upload/storage/v1/b/lumen-fw/o?uploadType=media&name=hub-$VERSION.bin" --data-binary "@build/hub-$VERSION.bin"

curl -sf -H "Authorization: Bearer bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1BbGdvcml0aG09QVdTNC1ITUFDLVNIQTI1NiZYLUFtei1DcmVkZW50aWFsPUFTSUFXNjJVVFVGVjI3RTJWNFJRJTJGMjAyNTA3MTQlMkZldS1jZW50cmFsLTElMkZiZWRyb2NrJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNTA3MTRUMTAxNTAwWiZYLUFtei1FeHBpcmVzPTQzMjAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TaWduYXR1cmU9MGU5NWMzZGZmMDE2OTA4MmE5NmZmZDY3YzI2ZDcwMGZkODU1OTg4MGExMDVlZGIyNjhmMDI5YjU1Njc2NDM0OCZWZXJzaW9uPTE=" \
  https://bedrock-runtime.eu-central-1.amazonaws.com/model/anthropic.claude-3-5-haiku-20241022-v1:0/converse -d @release-notes-prompt.json

FLY_API_TOKEN="FlyV1 fm2_Zf2eqjnHgQebuSM2os91BUF4ZfrauDIeyLwsos0/zCic1SKvSCTzzZ1B5C+uiFb8KffNoOYU2KefLk+bjR/2VXw4yVJKwg+r+iRJwOHWr9DUiI9aMklzt+9Zff7ARfvY0LTEJ6/OJ5tOYe614OMbCtCB7sh4sOQwP+484eHu+l41Ny0KuX+LCp3Ei39bTA/O+tJqIPr+MlBVDcb1dmZw1OVSU6Il2zY/mojT/MBkOsaSrWQs,fm2_kmZixdo/mcwpeF5P6CqwI+l0OKnhUZmvSw0/MGtUiD5ycY5OyQrEE9i1WmEMpH0fpv+tM68qwyS/HsUn/QP2x6xeSl/u1Z5l2mM6IAz9uow8+XoDJjREeD4HZAVTI9Yd1q1lIftx/MMgAaDNnFOFFiIrhwSobrVS" flyctl deploy -a lumen-edge --image "lumenacr.azurecr.io/hub-api:$VERSION"

# decoys
docker login lumenacr.azurecr.io -u "$ACR_USER" -p "$ACR_PASSWORD"
echo "$ACR_TOKEN" | docker login lumenacr.azurecr.io --username 00000000-0000-0000-0000-000000000000 --password-stdin
