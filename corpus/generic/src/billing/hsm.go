package billing

// Names of the keys the signer looks up in the HSM (labels, not the keys).
var hsmKeys = map[string]string{
	"signing_key":    "billing_rsa3072_signing_2024",
	"encryption_key": "billing-aes256-gcm-data-v2",
}

// KeyLabel returns the HSM label of a key role.
func KeyLabel(role string) string {
	return hsmKeys[role]
}
