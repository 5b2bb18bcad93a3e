package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// ctl calls a control endpoint over HTTP.
func ctl(t *testing.T, r *Running, method, path string, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, r.ControlURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestControlAPIOverHTTP(t *testing.T) {
	r, c := startSandbox(t, Options{TaskDelay: time.Hour, KYCReviewDelay: time.Hour})
	code, body := ctl(t, r, http.MethodGet, "/cards", "")
	if code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("empty list: %d %s", code, body)
	}
	virtual := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual})).field("cardId")
	review := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": fullKYC()})).field("cardId")

	var list []CardInfo
	_, body = ctl(t, r, http.MethodGet, "/cards", "")
	if err := json.Unmarshal(body, &list); err != nil || len(list) != 2 || list[0].ID != virtual || list[0].PendingOperation != "Activate" {
		t.Fatalf("list %s", body)
	}
	if bytes.Contains(body, []byte("pan")) || bytes.Contains(body, []byte("cvv")) {
		t.Fatalf("control leaks card secrets: %s", body)
	}

	code, _ = ctl(t, r, http.MethodPost, "/settle", "")
	if code != 200 || c.cardStatus(virtual) != CardStatusActive {
		t.Fatalf("settle: %d, %s", code, c.cardStatus(virtual))
	}
	if c.cardStatus(review) != CardStatusAwaitingBinding {
		t.Fatalf("settled review: %s", c.cardStatus(review))
	}

	code, body = ctl(t, r, http.MethodPost, "/cards/"+virtual+"/status", `{"status":"Frozen"}`)
	var info CardInfo
	if err := json.Unmarshal(body, &info); err != nil || code != 200 || info.Status != CardStatusFrozen || c.cardStatus(virtual) != CardStatusFrozen {
		t.Fatalf("force status: %d %s", code, body)
	}
	if code, _ := ctl(t, r, http.MethodPost, "/cards/"+virtual+"/status", `{"status":"Bogus"}`); code != 400 {
		t.Fatalf("bad status: %d", code)
	}
	if code, _ := ctl(t, r, http.MethodPost, "/cards/nope/status", `{"status":"Active"}`); code != 404 {
		t.Fatalf("unknown card: %d", code)
	}

	pending := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramPhysicalKYC, "kyc": fullKYC()})).field("cardId")
	if code, body := ctl(t, r, http.MethodPost, "/cards/"+pending+"/kyc", `{"approve":false}`); code != 200 || !strings.Contains(string(body), CardStatusKYCRejected) {
		t.Fatalf("kyc: %d %s", code, body)
	}
	if code, _ := ctl(t, r, http.MethodPost, "/cards/"+pending+"/kyc", `{}`); code != 400 {
		t.Fatalf("kyc without approve: %d", code)
	}

	if code, body := ctl(t, r, http.MethodPost, "/cards/"+virtual+"/transactions", `{"count":12}`); code != 200 {
		t.Fatalf("transactions: %d %s", code, body)
	}
	var page transactionPageJSONForTest
	c.post("/Card/Transactions", map[string]any{"cardId": virtual}).decode(t, &page)
	if page.Total != 12 {
		t.Fatalf("added transactions: %d", page.Total)
	}

	_, body = ctl(t, r, http.MethodGet, "/counters", "")
	var counts map[string]int
	if err := json.Unmarshal(body, &counts); err != nil || counts["ApplyCard"] != 3 || counts["ApplyCard.processed"] != 3 {
		t.Fatalf("counters %s", body)
	}
	ctl(t, r, http.MethodDelete, "/counters", "")
	if len(r.Counters()) != 0 {
		t.Fatalf("counters after reset %v", r.Counters())
	}

	code, body = ctl(t, r, http.MethodPut, "/faults", `{"latency":"5ms","errorRate":0.25,"next":[{"operation":"CardTopUp","mode":"429","count":2}]}`)
	f := r.CurrentFaults()
	if code != 200 || f.Latency != 5*time.Millisecond || f.ErrorRate != 0.25 || len(f.Next) != 1 || f.Next[0].Count != 2 {
		t.Fatalf("put faults: %d %s %+v", code, body, f)
	}
	ctl(t, r, http.MethodPut, "/faults", `{"latency":12}`)
	if f := r.CurrentFaults(); f.Latency != 12*time.Millisecond || f.ErrorRate != 0 {
		t.Fatalf("latency in ms: %+v", f)
	}
	if code, _ := ctl(t, r, http.MethodPut, "/faults", `{"next":[{"mode":"explode"}]}`); code != 400 {
		t.Fatalf("bad fault accepted: %d", code)
	}
	if _, body := ctl(t, r, http.MethodGet, "/faults", ""); !strings.Contains(string(body), `"latency":"12ms"`) {
		t.Fatalf("get faults %s", body)
	}
	ctl(t, r, http.MethodPut, "/faults", `{}`)

	if code, body := ctl(t, r, http.MethodPut, "/merchant", `{"currency":"USD","amount":"25.50"}`); code != 200 || !strings.Contains(string(body), `"USD":"25.50"`) {
		t.Fatalf("merchant: %d %s", code, body)
	}
	if err := r.ForceCardStatus(virtual, CardStatusActive); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": virtual, "amount": "25.50"}))
	var topUps []TopUpInfo
	_, body = ctl(t, r, http.MethodGet, "/topups", "")
	if err := json.Unmarshal(body, &topUps); err != nil || len(topUps) != 1 || !topUps[0].Amount.Equal(dec("25.50")) || topUps[0].Status != StatusPending {
		t.Fatalf("topups %s", body)
	}

	if code, _ := ctl(t, r, http.MethodGet, "/nothing", ""); code != 404 {
		t.Fatalf("unknown control: %d", code)
	}
	if code, _ := ctl(t, r, http.MethodPost, "/cards", ""); code != 405 {
		t.Fatalf("wrong method: %d", code)
	}
}

func TestControlRefusesNonLoopback(t *testing.T) {
	s, err := New(Options{PublicKey: &testKey.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for addr, want := range map[string]int{"203.0.113.7:40000": 403, "10.0.0.2:1": 403, "127.0.0.1:5000": 200, "[::1]:5000": 200} {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/sandbox/counters", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: HTTP %d, want %d", addr, rec.Code, want)
		}
	}
	// The API itself is not restricted by address, only by signature.
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/api/v1/Countries", nil)
	req.RemoteAddr = "203.0.113.7:40000"
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("unsigned API call from afar: %d", rec.Code)
	}
}

func TestStartGeneratesKey(t *testing.T) {
	r, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.PrivateKeyPEM == nil || r.PrivateKey() == nil || r.PrivateKey().N.BitLen() != 2048 {
		t.Fatal("no generated 2048-bit key")
	}
	if r.CustomerToken != DefaultCustomerToken || !strings.HasSuffix(r.URL, "/api/v1") || !strings.HasPrefix(r.URL, "http://127.0.0.1:") {
		t.Fatalf("running %+v", r)
	}
	c := newClient(t, r.URL, r.CustomerToken, r.PrivateKey())
	mustStatus(t, c.get("/countries"), http.StatusOK)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

func TestControlNewFaultsStatusNamesRateLimit(t *testing.T) {
	r, _ := startSandbox(t, Options{})
	for _, tc := range []struct {
		body      string
		wantDelay time.Duration
	}{
		{`{"lateAnswerRate":0.5,"errorAfterRate":0.25,"lateAnswerDelay":"2s","next":[{"operation":"ApplyCard","mode":"late-answer"},{"mode":"500-after"}]}`, 2 * time.Second},
		{`{"lateAnswerRate":0.5,"errorAfterRate":0.25,"lateAnswerDelay":1500,"next":[{"operation":"ApplyCard","mode":"late-answer"},{"mode":"500-after"}]}`, 1500 * time.Millisecond},
	} {
		code, body := ctl(t, r, http.MethodPut, "/faults", tc.body)
		f := r.CurrentFaults()
		if code != 200 || f.LateAnswerRate != 0.5 || f.ErrorAfterRate != 0.25 || f.LateAnswerDelay != tc.wantDelay || len(f.Next) != 2 {
			t.Fatalf("put %s: %d %s %+v", tc.body, code, body, f)
		}
		if !strings.Contains(string(body), `"lateAnswerDelay":"`+tc.wantDelay.String()+`"`) || !strings.Contains(string(body), `"errorAfterRate":0.25`) {
			t.Fatalf("faults answer %s", body)
		}
	}
	for _, bad := range []string{`{"lateAnswerRate":1.5}`, `{"errorAfterRate":-1}`, `{"lateAnswerDelay":"soon"}`, `{"lateAnswerDelay":"-1s"}`} {
		if code, body := ctl(t, r, http.MethodPut, "/faults", bad); code != 400 {
			t.Errorf("%s accepted: %d %s", bad, code, body)
		}
	}

	code, body := ctl(t, r, http.MethodPut, "/status-names", `{"active":"Normal","Success":"Done"}`)
	if code != 200 || !strings.Contains(string(body), `"Active":"Normal"`) || r.StatusNames()["Success"] != "Done" {
		t.Fatalf("put status names: %d %s", code, body)
	}
	if code, body := ctl(t, r, http.MethodPut, "/status-names", `{"Activ":"Normal"}`); code != 400 || !strings.Contains(string(body), "unknown status") {
		t.Fatalf("bad status name: %d %s", code, body)
	}
	if _, body := ctl(t, r, http.MethodGet, "/status-names", ""); !strings.Contains(string(body), `"Success":"Done"`) {
		t.Fatalf("get status names %s (a refused PUT must change nothing)", body)
	}
	if code, body := ctl(t, r, http.MethodPut, "/status-names", `{}`); code != 200 || strings.TrimSpace(string(body)) != "{}" {
		t.Fatalf("clear status names: %d %s", code, body)
	}

	if code, body := ctl(t, r, http.MethodPut, "/rate-limit", `{"rateLimit":2.5}`); code != 200 || strings.TrimSpace(string(body)) != `{"rateLimit":2.5}` || r.RateLimit() != 2.5 {
		t.Fatalf("put rate limit: %d %s", code, body)
	}
	for _, bad := range []string{`{}`, `{"rateLimit":-1}`, `{"rateLimit":"fast"}`} {
		if code, body := ctl(t, r, http.MethodPut, "/rate-limit", bad); code != 400 {
			t.Errorf("%s accepted: %d %s", bad, code, body)
		}
	}
	if _, body := ctl(t, r, http.MethodGet, "/rate-limit", ""); strings.TrimSpace(string(body)) != `{"rateLimit":2.5}` {
		t.Fatalf("get rate limit %s", body)
	}
	if code, _ := ctl(t, r, http.MethodPost, "/rate-limit", `{"rateLimit":1}`); code != 405 {
		t.Fatalf("POST rate-limit: %d", code)
	}
}

func TestCountersCountConnectionsOpened(t *testing.T) {
	r, c := startSandbox(t, Options{})
	for range 3 {
		mustStatus(t, c.get("/MerchantInformation/Merchant"), http.StatusOK)
	}
	if got := r.Counters()["connections.opened"]; got != 1 {
		t.Fatalf("3 requests on one keep-alive connection: %d connections counted", got)
	}
	c.hc = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range 2 {
		mustStatus(t, c.get("/MerchantInformation/Merchant"), http.StatusOK)
	}
	if got := r.Counters()["connections.opened"]; got != 3 {
		t.Fatalf("then 2 requests without keep-alive: %d connections counted, want 3", got)
	}
}
