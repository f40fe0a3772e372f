// Package github pulls signed firmware release assets from the private
// lumen-iot/firmware repository.
//
// FAKE test fixture for keysift: the token below is made up.
package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

// Read-only fine-grained token for lumen-iot/firmware (contents: read).
const firmwareReadToken = "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"

const apiBase = "https://api.github.com"

type Release struct {
	TagName string  `json:"tag_name"`
	Assets  []Asset `json:"assets"`
}

type Asset struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Size int64  `json:"size"`
}

type Client struct {
	http  *http.Client
	token string
}

func New() *Client {
	token := os.Getenv("GITHUB_TOKEN")
	if token == "" {
		token = firmwareReadToken
	}
	return &Client{http: &http.Client{Timeout: 30 * time.Second}, token: token}
}

func (c *Client) LatestRelease(ctx context.Context, repo string) (*Release, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		fmt.Sprintf("%s/repos/%s/releases/latest", apiBase, repo), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("github: %s", resp.Status)
	}
	var rel Release
	if err := json.NewDecoder(resp.Body).Decode(&rel); err != nil {
		return nil, err
	}
	return &rel, nil
}
