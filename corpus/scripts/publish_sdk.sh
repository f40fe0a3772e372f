#!/bin/sh
# publish_sdk.sh - build and upload the lumen-sdk Python package.
#
# FAKE test fixture for keysift: the PyPI token below is made up.
set -eu

cd "$(dirname "$0")/../sdk/python"

VERSION="$(python3 -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')"
PYPI_API_TOKEN="${PYPI_API_TOKEN:-pypi-AgEIcHlwaS5vcmcCJDlmYTU0OTc0LWMyNjctNDViNy05YWEzLTkxMWNjMzM5NjdjNgACOnsidmVyc2lvbiI6IDEsICJwZXJtaXNzaW9ucyI6IHsicHJvamVjdHMiOiBbImx1bWVuLXNkayJdfX0AAAYgz-elRDrKZg-uQEEQgzK1J4LALdQUz34vpcRFAJ_Zb-U}"

echo "building lumen-sdk $VERSION"
rm -rf dist build
python3 -m build --sdist --wheel --outdir dist .

echo "checking distributions"
python3 -m twine check --strict dist/*

if [ "${DRY_RUN:-0}" = "1" ]; then
  echo "DRY_RUN=1, not uploading"
  exit 0
fi

echo "uploading to PyPI"
python3 -m twine upload --non-interactive \
  --username __token__ \
  --password "$PYPI_API_TOKEN" \
  dist/*

git tag -a "sdk-v$VERSION" -m "lumen-sdk $VERSION"
echo "tagged sdk-v$VERSION; push the tag when the upload is visible"
