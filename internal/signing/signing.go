// Package signing implements the Cards API request signature (internal/cardsapi/API.md §2): a canonical
// "name=value&..." string of the signed headers and top-level body fields, signed with
// RSASSA-PKCS1-v1_5 over SHA-256 and base64-encoded.
//
// The client signs with it and the sandbox verifies with it; the canonical form is pinned by
// a test against the worked example of internal/cardsapi/API.md §2 using only the standard library's verifier.
package signing

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Header names carried by every signed request.
const (
	HeaderTimestamp     = "timestamp"
	HeaderNonce         = "nonce"
	HeaderCustomerToken = "customerToken"
	HeaderSignature     = "signature"
)

// MinKeyBits is the smallest RSA key the platform issues (1024-bit).
const MinKeyBits = 1024

// CanonicalString builds the string that is signed: the three signed headers plus every
// top-level field of body (a JSON object, or empty for GET), leaving out "signature" and
// empty values, sorted by name in byte order and joined as name=value pairs with '&'.
func CanonicalString(customerToken, nonce, timestamp string, body []byte) (string, error) {
	params := map[string]string{
		HeaderCustomerToken: customerToken,
		HeaderNonce:         nonce,
		HeaderTimestamp:     timestamp,
	}
	if len(bytes.TrimSpace(body)) > 0 {
		fields, err := topLevelFields(body)
		if err != nil {
			return "", err
		}
		for name, value := range fields {
			if _, isHeader := params[name]; isHeader {
				return "", fmt.Errorf("body field %q collides with a signed header", name)
			}
			params[name] = value
		}
	}
	names := make([]string, 0, len(params))
	for name, value := range params {
		if name == HeaderSignature || value == "" {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names) // byte order, case-sensitive: "cardId" < "customerToken"
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(params[name])
	}
	return b.String(), nil
}

// topLevelFields returns each top-level field of a JSON object as its signed text: strings as
// they are, numbers and booleans as their JSON text, objects and arrays as compact JSON in the
// order sent, null as empty.
func topLevelFields(body []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("request body is not a JSON object: %w", err)
	}
	fields := make(map[string]string, len(raw))
	for name, value := range raw {
		text, err := valueText(value)
		if err != nil {
			return nil, fmt.Errorf("body field %q: %w", name, err)
		}
		fields[name] = text
	}
	return fields, nil
}

func valueText(value json.RawMessage) (string, error) {
	trimmed := bytes.TrimSpace(value)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return "", nil
	}
	switch trimmed[0] {
	case '"':
		var s string
		if err := json.Unmarshal(trimmed, &s); err != nil {
			return "", err
		}
		return s, nil
	case '{', '[':
		var compact bytes.Buffer
		if err := json.Compact(&compact, trimmed); err != nil {
			return "", err
		}
		return compact.String(), nil
	default: // number, true, false
		return string(trimmed), nil
	}
}

// Sign signs the canonical string with SHA256withRSA and returns it base64-encoded.
func Sign(key *rsa.PrivateKey, canonical string) (string, error) {
	digest := sha256.Sum256([]byte(canonical))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("signing request: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Verify checks a base64 signature over the canonical string.
func Verify(key *rsa.PublicKey, canonical, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("signature is not base64: %w", err)
	}
	digest := sha256.Sum256([]byte(canonical))
	return rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig)
}

// ParsePrivateKey reads an RSA private key from PEM, PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
// ("PRIVATE KEY"). Errors never echo the key material.
func ParsePrivateKey(pemText []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemText)
	if block == nil {
		return nil, errors.New("no PEM block found: expected an RSA private key in PEM (PKCS#1 or PKCS#8)")
	}
	// An encrypted key would fail below as "not a valid key": say what it is and how to fix it.
	if procType := block.Headers["Proc-Type"]; strings.Contains(strings.ToUpper(procType), "ENCRYPTED") {
		return nil, fmt.Errorf("PEM block %q is encrypted with a passphrase (header \"Proc-Type: %s\"), and the provider "+
			"needs an unencrypted key. Decrypt it into a new file that only you can read, for example with "+
			"`openssl rsa -in key.pem -out key-plain.pem` (it asks for the passphrase), and use that file", block.Type, procType)
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, errors.New("PEM block \"ENCRYPTED PRIVATE KEY\" is a PKCS#8 key encrypted with a passphrase, and the " +
			"provider needs an unencrypted key. Decrypt it into a new file that only you can read, for example with " +
			"`openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem` or `openssl rsa -in key.pem -out key-plain.pem` " +
			"(both ask for the passphrase), and use that file")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("PEM block \"RSA PRIVATE KEY\" is not a valid PKCS#1 RSA key")
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("PEM block \"PRIVATE KEY\" is not a valid PKCS#8 key")
		}
		rsaKey, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("PKCS#8 key is %T, expected an RSA key", k)
		}
		key = rsaKey
	default:
		return nil, fmt.Errorf("PEM block type %q is not an RSA private key (expected \"RSA PRIVATE KEY\" or \"PRIVATE KEY\")", block.Type)
	}
	if bits := key.N.BitLen(); bits < MinKeyBits {
		return nil, fmt.Errorf("RSA key is %d bits; at least %d are required", bits, MinKeyBits)
	}
	return key, nil
}

// ParsePublicKey reads an RSA public key from PEM: PKIX ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY").
func ParsePublicKey(pemText []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(pemText)
	if block == nil {
		return nil, errors.New("no PEM block found: expected an RSA public key in PEM")
	}
	switch block.Type {
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rsaKey, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key is %T, expected RSA", k)
		}
		return rsaKey, nil
	default:
		return nil, fmt.Errorf("PEM block type %q is not an RSA public key", block.Type)
	}
}

// EncodePrivateKeyPKCS8 and EncodePublicKeyPKIX write keys as PEM (the sandbox's generated pair).
func EncodePrivateKeyPKCS8(key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// EncodePublicKeyPKIX writes an RSA public key as a PEM "PUBLIC KEY" block.
func EncodePublicKeyPKIX(key *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
