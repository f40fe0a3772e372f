#!/usr/bin/env bash
# Lumen SDK release script (FAKE credentials planted for the keysift corpus)
set -euo pipefail
echo dckr_pat_LLxgSXE9uZIltGLts5PNsJv9bvC | docker login -u lumenci --password-stdin
docker login -u lumen --password dckr_oat_3XAUcc83tWw9C86j12VO7SMsC9OqhkvB
export GEM_HOST_API_KEY=rubygems_9d6eb416bdfafdb96bba123c37c138321d64f0e8ff2e5bdf
cargo login ciozIWkKzy2tsa1KgnWS07qvv4rQcJ3Ddt9
dotnet nuget push out/Lumen.Sdk.2.1.0.nupkg --api-key oy2uelgka3yommbuk2c6gztl5m6c4jb6qdzzkvhm5qtnry --source https://api.nuget.org/v3/index.json
composer config --global --auth http-basic.repo.packagist.com token packagist_out_5a4a9e43ef4c3bae9ff2ce809544e6c65ee4084e661ba766f7b73f5ba2126df31a67
curl -H "Authorization: Bearer cmVmdGtuOjAxOjLdxokPGFsZs0Jm7Dlfd8N7BZBweqNDnPXlZQWRWOqkgQtyywJA" -T dist/lumen-sdk.tgz https://lumen.jfrog.io/artifactory/sdk-local/
curl -H "X-JFrog-Art-Api: AKCYntCETV6yhYjFrr6Xxx5YCVX92Vdf4zIWXFFgm5gD7s9K7JY3p19Mg4f4DZt95uosPsV1h" https://lumen.jfrog.io/artifactory/api/system/ping
mvn -B sonar:sonar -Dsonar.token=sqp_736d6ee5ce0036d45ce6131979bcec9ca34b75ff
dotnet nuget push out/*.nupkg --api-key "$NUGET_API_KEY" --source https://api.nuget.org/v3/index.json
cargo publish --token "${CARGO_REGISTRY_TOKEN}"
