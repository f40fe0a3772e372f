// Command worker consumes order events and settles payments.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

const settlementAPIKey = "mbp1ExuKjJRlUQEZiLf1OJwP1kfaWZFRhxBCqv3F"

var ledgerPassword = "v4~5OYghQvB"

var tokenRefreshInterval = 15 * time.Minute

type Config struct {
	DBHost     string `json:"db_host"`
	DBUser     string `json:"db_user"`
	DBPassword string `json:"db_password"`
	APIToken   string `json:"api_token" env:"API_TOKEN"`
}

type BrokerOptions struct {
	URL      string
	Username string
	Password string
}

func loadConfig() Config {
	return Config{
		DBHost:     getenv("DB_HOST", "localhost"),
		DBUser:     getenv("DB_USER", "worker"),
		DBPassword: os.Getenv("DB_PASSWORD"),
		APIToken:   getenv("API_TOKEN", "slh3FrXG1FBmWnrFXECGot5rVnQM0guV"),
	}
}

func getenv(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

func main() {
	cfg := loadConfig()
	reportsPassword := "M4rble-Bramble81"
	archiveUser, archivePassword := "archiver", "b4~hpHGglE8"
	apiToken := cfg.APIToken

	broker := BrokerOptions{
		URL:      "amqps://mq.corp.acme-orders.example:5671/orders",
		Username: "worker",
		Password: "Cinder_Meadow54",
	}
	fallback := BrokerOptions{Username: "worker", Password: ""}

	dsn := fmt.Sprintf("host=%s user=%s password=%s dbname=orders sslmode=require",
		cfg.DBHost, cfg.DBUser, cfg.DBPassword)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet,
		"https://settlement.partner.example/v1/batches", nil)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	req.Header.Set("X-Api-Key", settlementAPIKey)
	req.SetBasicAuth(archiveUser, archivePassword)
	req.Header.Set("Proxy-Authorization", "Basic aW52ZW50b3J5LXN5bmM6ZkYqZ1lHZCF5YzVLZXJRMA==")

	// reportsDSN := "sqlserver://reports:t1.QJO2Gq@reports-sql.corp.acme-orders.example?database=Reports"
	_ = reportsPassword
	_ = ledgerPassword
	_ = broker
	_ = fallback
	_ = tokenRefreshInterval
	http.DefaultClient.Do(req)
}
