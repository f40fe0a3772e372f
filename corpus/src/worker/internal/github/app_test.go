package github

// FAKE test fixture for keysift: the tokens in these canned responses are made up.

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func serve(t *testing.T, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestExchangeUserCode(t *testing.T) {
	srv := serve(t, `{
  "access_token": "ghu_WbPW9Gra7GRRumIxd3l7JGtUOEeFyL2TTouI",
  "expires_in": 28800,
  "refresh_token": "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",
  "refresh_token_expires_in": 15897600,
  "scope": "",
  "token_type": "bearer"
}`)
	tok, err := exchangeCode(context.Background(), srv.URL, "code-123")
	if err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresIn != 28800 {
		t.Fatalf("expires_in = %d", tok.ExpiresIn)
	}
}

func TestInstallationToken(t *testing.T) {
	srv := serve(t, `{
  "token": "ghs_msZfuVZeCZ6ohsoGg4S3CCpHgiIpNc3pfuYP",
  "expires_at": "2024-06-11T10:00:00Z",
  "permissions": {"contents": "read", "metadata": "read"},
  "repository_selection": "selected"
}`)
	tok, err := installationToken(context.Background(), srv.URL, 51234567)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Permissions["contents"] != "read" {
		t.Fatalf("permissions = %v", tok.Permissions)
	}
}

func TestTruncatedTokenRejected(t *testing.T) {
	if validToken("ghp_1a2b3c") {
		t.Fatal("a truncated token must not validate")
	}
}
