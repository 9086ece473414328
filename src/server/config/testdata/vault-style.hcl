# A config written for Vault, as operators already have them.
ui            = true
disable_mlock = true
api_addr      = "https://vault.example.com:8200"
log_level     = "Warning"

default_lease_ttl = "1h"
max_lease_ttl     = "768h"

storage "file" {
  path = "/var/lib/coffer"
}

listener "tcp" {
  address       = "0.0.0.0:8200"
  tls_cert_file = "/etc/coffer/tls/cert.pem"
  tls_key_file  = "/etc/coffer/tls/key.pem"
}

listener "tcp" {
  address          = "127.0.0.1:8300"
  tls_disable      = "true"
  max_request_size = 1048576
}
