// Package queue wraps the RabbitMQ connection used by the telemetry worker.
//
// FAKE test fixture for keysift: the fallback URL carries a made-up password.
package queue

import (
	"context"
	"fmt"
	"os"

	amqp "github.com/rabbitmq/amqp091-go"
)

const (
	defaultAMQPURL = "amqp://worker:nJJd49gPAXFc0eo3kud@rabbitmq.lumen.internal:5672/lumen"
	queueName      = "telemetry.jobs"
	prefetch       = 32
)

// Job is one telemetry frame waiting to be stored.
type Job struct {
	ID       string
	DeviceID string
	Payload  []byte
	delivery amqp.Delivery
}

func (j Job) Ack()  { _ = j.delivery.Ack(false) }
func (j Job) Nack() { _ = j.delivery.Nack(false, true) }

// Consumer owns one connection and one channel.
type Consumer struct {
	conn *amqp.Connection
	ch   *amqp.Channel
}

// Dial connects using AMQP_URL, or the built-in default when it is unset.
func Dial(ctx context.Context) (*Consumer, error) {
	url := os.Getenv("AMQP_URL")
	if url == "" {
		url = defaultAMQPURL
	}
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("channel: %w", err)
	}
	if err := ch.Qos(prefetch, 0, false); err != nil {
		conn.Close()
		return nil, fmt.Errorf("qos: %w", err)
	}
	return &Consumer{conn: conn, ch: ch}, nil
}

// Jobs streams deliveries until ctx is cancelled.
func (c *Consumer) Jobs(ctx context.Context) <-chan Job {
	out := make(chan Job)
	deliveries, err := c.ch.ConsumeWithContext(ctx, queueName, "", false, false, false, false, nil)
	if err != nil {
		close(out)
		return out
	}
	go func() {
		defer close(out)
		for d := range deliveries {
			out <- Job{ID: d.MessageId, DeviceID: d.RoutingKey, Payload: d.Body, delivery: d}
		}
	}()
	return out
}

func (c *Consumer) Close() {
	c.ch.Close()
	c.conn.Close()
}
