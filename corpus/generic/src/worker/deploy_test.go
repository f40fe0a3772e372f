package main

import (
	"strings"
	"testing"
)

// testDeployKey is the key of the "ci-runner-03" deploy user on the staging
// bastion; the test only checks that we can parse it.
//
// -----BEGIN OPENSSH PRIVATE KEY-----
// b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
// QyNTUxOQAAACC6xCkRY8+J/0bGculeL/hfbWH81gLsfhHICU10Y8KAaQAAAJhzXxXSc18V
// 0gAAAAtzc2gtZWQyNTUxOQAAACC6xCkRY8+J/0bGculeL/hfbWH81gLsfhHICU10Y8KAaQ
// AAAEAXIxOTdi93HCT4uO+PX/6Yrjb7gGzioQaT9+xw2cfHwbrEKRFjz4n/RsZy6V4v+F9t
// YfzWAux+EcgJTXRjwoBpAAAAE2RlcGxveUBjaS1ydW5uZXItMDMBAg==
// -----END OPENSSH PRIVATE KEY-----
const testDeployKeyPath = "testdata/deploy_ed25519"

func TestLoadConfigDefaults(t *testing.T) {
	t.Setenv("DB_PASSWORD", "Ember*Lantern92")
	t.Setenv("API_TOKEN", "")
	cfg := loadConfig()
	if cfg.DBPassword == "" {
		t.Fatal("password: must be set")
	}
	if !strings.HasPrefix(testDeployKeyPath, "testdata/") {
		t.Fatal("unexpected key path")
	}
}
