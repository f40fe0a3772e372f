# Production variables for deploy/terraform.
# FAKE test fixture for keysift: the password is made up. This file should
# have been listed in .gitignore.
location          = "westeurope"
db_admin_password = "nc5hvGuTdrHwaOz"

github_teams = {
  firmware = ["alice", "bjorn"]
  platform = ["chen", "dara"]
}

alert_emails = [
  "oncall@lumen.internal",
  "platform@lumen.internal",
]

# image digests promoted by the release pipeline
api_image_digest    = "sha256:85959a1afa44f300812c955a5018e2698237ac768d35663125c0f706256c99d6"
worker_image_digest = "sha256:5ef64c891074ae7a2d4c49afa67fa1ac1ce9e0bedbf0885207c0ed1a2a42cddd"
