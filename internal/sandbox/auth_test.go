package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

func TestAuthAcceptsGoodSignatures(t *testing.T) {
	_, c := startSandbox(t, Options{})
	r := c.get("/MerchantInformation/Merchant")
	mustStatus(t, r, http.StatusOK)
	if got := r.field("name"); got != merchantName {
		t.Fatalf("merchant name %q", got)
	}
	// POST signs every top-level body field, nested objects as compact JSON.
	r = c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": fullKYC()})
	mustSucceed(t, r)
	// The bearer header is optional and ignored.
	req := c.signedRequest(http.MethodGet, "/Countries", nil, time.Now(), freshNonce())
	req.Header.Set("Authorization", "Bearer anything")
	if resp, err := c.send(req); err != nil || resp.code != http.StatusOK {
		t.Fatalf("with bearer: %v %v", resp, err)
	}
}

func TestAuthRefusals(t *testing.T) {
	s, c := startSandbox(t, Options{})
	otherKey, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // G403: any key other than the merchant's
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"programId": ProgramVirtual}

	cases := []struct {
		name    string
		req     func() *http.Request
		remarks string
	}{
		{"unknown token", func() *http.Request {
			return newClient(t, c.base, "not-the-token", testKey).signedRequest(http.MethodPost, "/ApplyCard", body, time.Now(), freshNonce())
		}, "unknown customerToken"},
		{"missing token", func() *http.Request {
			req := c.signedRequest(http.MethodPost, "/ApplyCard", body, time.Now(), freshNonce())
			req.Header.Del(signing.HeaderCustomerToken)
			return req
		}, "missing customerToken"},
		{"signed by another key", func() *http.Request {
			return newClient(t, c.base, c.token, otherKey).signedRequest(http.MethodPost, "/ApplyCard", body, time.Now(), freshNonce())
		}, "signature does not verify"},
		{"body changed after signing", func() *http.Request {
			req := c.signedRequest(http.MethodPost, "/ApplyCard", body, time.Now(), freshNonce())
			tampered := c.signedRequest(http.MethodPost, "/ApplyCard", map[string]any{"programId": ProgramSignature}, time.Now(), req.Header.Get("nonce"))
			tampered.Header.Set(signing.HeaderSignature, req.Header.Get(signing.HeaderSignature))
			tampered.Header.Set(signing.HeaderTimestamp, req.Header.Get(signing.HeaderTimestamp))
			return tampered
		}, "signature does not verify"},
		{"garbage signature", func() *http.Request {
			req := c.signedRequest(http.MethodGet, "/Countries", nil, time.Now(), freshNonce())
			req.Header.Set(signing.HeaderSignature, "!!not base64!!")
			return req
		}, "signature does not verify"},
		{"stale timestamp", func() *http.Request {
			return c.signedRequest(http.MethodPost, "/ApplyCard", body, time.Now().Add(-301*time.Second), freshNonce())
		}, "away from server time"},
		{"future timestamp", func() *http.Request {
			return c.signedRequest(http.MethodPost, "/ApplyCard", body, time.Now().Add(302*time.Second), freshNonce())
		}, "away from server time"},
		{"missing nonce", func() *http.Request {
			req := c.signedRequest(http.MethodPost, "/ApplyCard", body, time.Now(), freshNonce())
			req.Header.Del(signing.HeaderNonce)
			return req
		}, "missing nonce"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.send(tc.req())
			if err != nil {
				t.Fatal(err)
			}
			mustStatus(t, resp, http.StatusUnauthorized)
			if resp.field("status") != StatusFailed || !strings.Contains(resp.field("remarks"), tc.remarks) {
				t.Fatalf("want Failed with %q, got %s", tc.remarks, resp)
			}
		})
	}
	if n := len(s.Cards()); n != 0 {
		t.Fatalf("refused requests created %d cards", n)
	}
	counts := s.Counters()
	if counts["ApplyCard.unauthorized"] != 7 || counts["ApplyCard.processed"] != 0 {
		t.Fatalf("counters %v", counts)
	}
}

func TestAuthTimestampWithinWindowAccepted(t *testing.T) {
	_, c := startSandbox(t, Options{})
	resp, err := c.send(c.signedRequest(http.MethodGet, "/Countries", nil, time.Now().Add(-290*time.Second), freshNonce()))
	if err != nil || resp.code != http.StatusOK {
		t.Fatalf("290 s old timestamp: %v %v", resp, err)
	}
}

func TestAuthRejectsReplayedNonce(t *testing.T) {
	s, c := startSandbox(t, Options{})
	req := c.signedRequest(http.MethodPost, "/ApplyCard", map[string]any{"programId": ProgramVirtual}, time.Now(), "a1B2c3D4e5")
	first, err := c.send(req)
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, first)
	replay := c.signedRequest(http.MethodPost, "/ApplyCard", map[string]any{"programId": ProgramVirtual}, time.Now(), "a1B2c3D4e5")
	second, err := c.send(replay)
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, second, http.StatusUnauthorized)
	if !strings.Contains(second.field("remarks"), "nonce already used") {
		t.Fatalf("got %s", second)
	}
	if n := len(s.Cards()); n != 1 {
		t.Fatalf("replay created a card: %d cards", n)
	}
}

func TestNonceCacheExpiresOldEntries(t *testing.T) {
	var nc nonceCache
	t0 := time.Unix(1_764_000_000, 0)
	if !nc.use("a", t0) || nc.use("a", t0.Add(time.Minute)) {
		t.Fatal("fresh nonce refused or repeat accepted")
	}
	for i := 0; i < 100; i++ {
		nc.use(strings.Repeat("x", i+1), t0.Add(2*time.Second))
	}
	// Ten minutes on, "a" may be used again and the sweep drops the old entries.
	later := t0.Add(nonceTTL + 3*time.Second)
	if !nc.use("a", later) {
		t.Fatal("nonce still refused after 10 minutes")
	}
	if n := nc.size(); n != 1 {
		t.Fatalf("cache holds %d entries after the sweep, want 1", n)
	}
}

func TestGETQueryIsNotSigned(t *testing.T) {
	_, c := startSandbox(t, Options{})
	r := c.get("/Towns?countryId=2")
	mustStatus(t, r, http.StatusOK)
	var list []town
	r.decode(t, &list)
	if len(list) != 3 {
		t.Fatalf("towns of country 2: %v", list)
	}
	for _, tw := range list {
		if tw.CountryOrRegion != "2" {
			t.Fatalf("town of another country: %v", tw)
		}
	}
}
