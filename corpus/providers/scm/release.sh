#!/usr/bin/env bash
# Lumen SDK release script (FAKE credentials planted for the keysift corpus)
set -euo pipefail
echo dckr_pat_fD-wPyi4CNk4GPHY3qXyahQAK5- | docker login -u lumenci --password-stdin
docker login -u lumen --password dckr_oat_s5HGrjVHtGkJXVNd-TKpMmmvVHQpfY37
export GEM_HOST_API_KEY=rubygems_71760aff56f36b3411e02744ebb4fad5dcc30f3696af0a13
cargo login cioNcwBbb0aR5Rd3cVu1teoLzvGGQl8aKwU
dotnet nuget push out/Lumen.Sdk.2.1.0.nupkg --api-key oy2yum5kaej4mk3zzi66xk6ho4375joyuv4mx6vqfym7d2 --source https://api.nuget.org/v3/index.json
composer config --global --auth http-basic.repo.packagist.com token packagist_out_f7fdb9cec8b53b68440b6c1198635ea88ddb5228e1cb256f7ad90ba652b4e5a8f2b8
curl -H "Authorization: Bearer cmVmdGtuOjAxOjYRHOn0mCbYdcx9y8ISDf1Xv4uESGCv7JB2naWygw3oNPrbfNUV" -T dist/lumen-sdk.tgz https://lumen.jfrog.io/artifactory/sdk-local/
curl -H "X-JFrog-Art-Api: AKCyheoYLYfcjn4yQXvgauvztHP1qZazy9d3dIRf6St6GfATLML2KGcIcg56BPQZRLpnk6Zhs" https://lumen.jfrog.io/artifactory/api/system/ping
mvn -B sonar:sonar -Dsonar.token=sqp_3bafbad739d7f7ae009b92a8255779054b5fbb51
dotnet nuget push out/*.nupkg --api-key "$NUGET_API_KEY" --source https://api.nuget.org/v3/index.json
cargo publish --token "${CARGO_REGISTRY_TOKEN}"
