package sandbox

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

const (
	maxClockSkew = 300 * time.Second // internal/cardsapi/API.md §2: timestamps further off are refused
	nonceTTL     = 10 * time.Minute  // internal/cardsapi/API.md §2: a nonce may not repeat within this window
	maxNonceLen  = 64
)

// authenticate checks the internal/cardsapi/API.md §2 headers and signature. It returns 0 when the request may
// proceed, else the status (401, or 400 for a body that cannot be canonicalised) and a
// reason safe to send back: it never echoes the token or the signature.
func (s *Server) authenticate(h http.Header, body []byte, now time.Time) (int, string) {
	token := h.Get(signing.HeaderCustomerToken)
	if token == "" {
		return http.StatusUnauthorized, "missing customerToken header"
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.CustomerToken)) != 1 {
		return http.StatusUnauthorized, "unknown customerToken"
	}
	tsText := h.Get(signing.HeaderTimestamp)
	if tsText == "" {
		return http.StatusUnauthorized, "missing timestamp header"
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return http.StatusUnauthorized, "timestamp header must be Unix time in seconds"
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > maxClockSkew || skew < -maxClockSkew {
		return http.StatusUnauthorized, fmt.Sprintf("timestamp is %d s away from server time (limit %d s)", int64(skew.Abs().Seconds()), int(maxClockSkew.Seconds()))
	}
	nonce := h.Get(signing.HeaderNonce)
	if nonce == "" {
		return http.StatusUnauthorized, "missing nonce header"
	}
	if len(nonce) > maxNonceLen {
		return http.StatusUnauthorized, "nonce header is too long"
	}
	sig := h.Get(signing.HeaderSignature)
	if sig == "" {
		return http.StatusUnauthorized, "missing signature header"
	}
	canonical, err := signing.CanonicalString(token, nonce, tsText, body)
	if err != nil {
		return http.StatusBadRequest, "request body must be a JSON object"
	}
	if err := signing.Verify(s.pub, canonical, sig); err != nil {
		return http.StatusUnauthorized, "signature does not verify (SHA256withRSA over the sorted name=value parameters)"
	}
	// Only a correctly signed request uses up its nonce, so garbage cannot burn nonces.
	if !s.nonces.use(nonce, now) {
		return http.StatusUnauthorized, "nonce already used within the last 10 minutes"
	}
	return 0, ""
}

// nonceCache remembers nonces for nonceTTL. Expired entries are swept at most once a
// minute, so memory stays proportional to the traffic of the last ten minutes.
type nonceCache struct {
	mu        sync.Mutex
	seen      map[string]time.Time
	lastSweep time.Time
}

// use records nonce and reports whether it was fresh.
func (c *nonceCache) use(nonce string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[string]time.Time)
		c.lastSweep = now
	}
	if at, ok := c.seen[nonce]; ok && now.Sub(at) < nonceTTL {
		return false
	}
	c.seen[nonce] = now
	if now.Sub(c.lastSweep) >= time.Minute {
		for k, at := range c.seen {
			if now.Sub(at) >= nonceTTL {
				delete(c.seen, k)
			}
		}
		c.lastSweep = now
	}
	return true
}

func (c *nonceCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}
