// Command worker consumes device telemetry jobs and fans out alerts.
//
// FAKE test fixture for keysift: the credentials below are made up.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"lumen.internal/worker/internal/queue"
)

const (
	defaultRedisURL  = "redis://:TdL39SglHGYaEkKEF@cache.lumen.internal:6379/0"
	telegramBotToken = "4284091001:AAT9xTH_7zhqVmOugIURbb8gtwM1t7uC5HC"
	telegramChatID   = "-1001987654321"
	pollInterval     = 2 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = defaultRedisURL
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		slog.Error("bad REDIS_URL", "err", err)
		os.Exit(2)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()

	consumer, err := queue.Dial(ctx)
	if err != nil {
		slog.Error("amqp dial failed", "err", err)
		os.Exit(1)
	}
	defer consumer.Close()

	for job := range consumer.Jobs(ctx) {
		if err := handle(ctx, rdb, job); err != nil {
			slog.Warn("job failed", "id", job.ID, "err", err)
			alert(fmt.Sprintf("job %s failed: %v", job.ID, err))
			job.Nack()
			continue
		}
		job.Ack()
	}
}

func handle(ctx context.Context, rdb *redis.Client, job queue.Job) error {
	key := "device:" + job.DeviceID + ":last"
	return rdb.Set(ctx, key, job.Payload, 24*time.Hour).Err()
}

// alert posts to the on-call Telegram group; errors are logged, never fatal.
func alert(text string) {
	token := os.Getenv("TELEGRAM_BOT_TOKEN")
	if token == "" {
		token = telegramBotToken
	}
	endpoint := "https://api.telegram.org/bot" + token + "/sendMessage"
	form := url.Values{"chat_id": {telegramChatID}, "text": {text}}
	resp, err := http.Post(endpoint, "application/x-www-form-urlencoded",
		strings.NewReader(form.Encode()))
	if err != nil {
		slog.Warn("telegram alert failed", "err", err)
		return
	}
	resp.Body.Close()
}
