package sandbox

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

// testKey is the merchant key of every test sandbox: 1024 bits (the platform's size) keeps
// the suite fast; Start's own 2048-bit generation is exercised once.
var testKey *rsa.PrivateKey

func TestMain(m *testing.M) {
	var err error
	if testKey, err = rsa.GenerateKey(rand.Reader, 1024); err != nil { //nolint:gosec // G403: the platform's key size, and fast
		panic(err)
	}
	os.Exit(m.Run())
}

// startSandbox runs a sandbox for one test with the test key, closed at cleanup.
func startSandbox(t testing.TB, opts Options) (*Running, *client) {
	t.Helper()
	if opts.PublicKey == nil {
		opts.PublicKey = &testKey.PublicKey
	}
	r, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, newClient(t, r.URL, r.CustomerToken, testKey)
}

// client signs requests with internal/signing directly, as internal/cardsapi/API.md §2 says: it is independent
// of internal/cardsapi on purpose.
type client struct {
	t     testing.TB
	base  string
	token string
	key   *rsa.PrivateKey
	hc    *http.Client
}

func newClient(t testing.TB, base, token string, key *rsa.PrivateKey) *client {
	return &client{t: t, base: base, token: token, key: key, hc: &http.Client{Timeout: 10 * time.Second}}
}

var nonceSeq atomic.Int64

func freshNonce() string { return fmt.Sprintf("n%09d", nonceSeq.Add(1)) }

type response struct {
	code   int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("HTTP %d %s", r.code, bytes.TrimSpace(r.body)) }

// field returns a top-level field of a JSON object answer as text ("" when absent).
func (r response) field(name string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(r.body, &m) != nil {
		return ""
	}
	text, _ := scalarText(m[name])
	return text
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r, err)
	}
}

// signedRequest builds a request signed for the given timestamp and nonce.
func (c *client) signedRequest(method, path string, body any, ts time.Time, nonce string) *http.Request {
	c.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	tsText := strconv.FormatInt(ts.Unix(), 10)
	signed := raw
	if method == http.MethodGet {
		signed = nil
	}
	canonical, err := signing.CanonicalString(c.token, nonce, tsText, signed)
	if err != nil { // not a JSON object: sign the headers only, the server answers 400
		canonical, _ = signing.CanonicalString(c.token, nonce, tsText, nil)
	}
	sig, err := signing.Sign(c.key, canonical)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(signing.HeaderTimestamp, tsText)
	req.Header.Set(signing.HeaderNonce, nonce)
	req.Header.Set(signing.HeaderCustomerToken, c.token)
	req.Header.Set(signing.HeaderSignature, sig)
	return req
}

func (c *client) send(req *http.Request) (response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return response{code: resp.StatusCode, header: resp.Header, body: data}, err
}

// do sends a correctly signed request and fails the test on a transport error.
func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	resp, err := c.send(c.signedRequest(method, path, body, time.Now(), freshNonce()))
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

func (c *client) get(path string) response { c.t.Helper(); return c.do(http.MethodGet, path, nil) }
func (c *client) post(path string, body any) response {
	c.t.Helper()
	return c.do(http.MethodPost, path, body)
}

// mustSucceed asserts a 200 answer with status Success.
func mustSucceed(t testing.TB, r response) response {
	t.Helper()
	if r.code != http.StatusOK || r.field("status") != StatusSuccess {
		t.Fatalf("want 200 Success, got %s", r)
	}
	return r
}

// mustRefuse asserts a 200 "Failed" answer whose remarks contain every fragment.
func mustRefuse(t testing.TB, r response, fragments ...string) {
	t.Helper()
	if r.code != http.StatusOK || r.field("status") != StatusFailed {
		t.Fatalf("want 200 Failed, got %s", r)
	}
	for _, f := range fragments {
		if !strings.Contains(r.field("remarks"), f) {
			t.Fatalf("remarks %q lack %q", r.field("remarks"), f)
		}
	}
}

func mustStatus(t testing.TB, r response, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want HTTP %d, got %s", code, r)
	}
}

// cardStatus reads the card's status through the API ("" for 404).
func (c *client) cardStatus(id string) string {
	c.t.Helper()
	r := c.get("/CardDetails/" + id)
	if r.code == http.StatusNotFound {
		return ""
	}
	mustStatus(c.t, r, http.StatusOK)
	return r.field("cardStatus")
}

// waitStatus polls CardDetails until the card reaches want.
func (c *client) waitStatus(id, want string) {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := c.cardStatus(id)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("card %s: status %q, want %q", id, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// activeCard applies for a card of a program without KYC and waits until it is Active.
func (c *client) activeCard(programID string) string {
	c.t.Helper()
	r := mustSucceed(c.t, c.post("/ApplyCard", map[string]any{"programId": programID}))
	id := r.field("cardId")
	c.waitStatus(id, CardStatusActive)
	return id
}

// fullKYC satisfies every §5.3 requirement key with valid values.
func fullKYC() map[string]any {
	img := "aGVsbG8gc2FuZGJveA==" // base64 of "hello sandbox"
	return map[string]any{
		"firstname": "Jane", "lastname": "Doe", "gender": 2, "dob": "1990-04-01",
		"nationalityid": "2", "email": "jane.doe@example.com", "mobilecode": "+44", "mobile": "7700900123",
		"address": "1 Test Street", "town": "1005", "city": "London", "state": "Greater London",
		"zipcode": "SW1A 1AA", "countryid": "2", "countryisothree": "GBR", "emergencycontact": "John Doe +447700900124",
		"doctype": 1, "docid": "P1234567", "frontdoc": img, "backdoc": img, "docexpiredate": "2031-01-31",
		"docneveexpire": 0, "handholdidphoto": img, "biomatric": img, "photo": img, "signimage": img,
	}
}

const testImage = "aGVsbG8gc2FuZGJveA=="

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
