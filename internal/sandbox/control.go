package sandbox

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// CardInfo is what the controls show of a card: never its PAN, CVV or PIN.
type CardInfo struct {
	ID               string          `json:"id"`
	ProgramID        string          `json:"programId"`
	Status           string          `json:"status"`
	Balance          decimal.Decimal `json:"balance"`
	Currency         string          `json:"currency"`
	Last4            string          `json:"last4"` // "" until the card has a number
	PinChanges       int             `json:"pinChanges"`
	Created          time.Time       `json:"created"`
	PendingOperation string          `json:"pendingOperation,omitempty"` // e.g. "CardFreeze", "Activate", "KycReview"
	PendingTaskID    string          `json:"pendingTaskId,omitempty"`
	Purged           bool            `json:"purged,omitempty"` // cancelled and past retention: the API answers 404
}

// TopUpInfo is a top-up as the controls show it.
type TopUpInfo struct {
	TaskID        string          `json:"taskId"`
	CardID        string          `json:"cardId"`
	Currency      string          `json:"currency"`
	Amount        decimal.Decimal `json:"amount"`
	Fee           decimal.Decimal `json:"fee"`
	ReceiveAmount decimal.Decimal `json:"receiveAmount"`
	Status        string          `json:"status"` // Pending, Success or Failed
	Remarks       string          `json:"remarks"`
	Created       time.Time       `json:"created"`
	Completed     time.Time       `json:"completed,omitzero"`
}

// update runs fn under the state lock after applying due transitions, then persists.
func (s *Server) update(fn func(now time.Time)) {
	now := time.Now()
	s.mu.Lock()
	s.advanceLocked(now)
	fn(now)
	snap := s.snapshotLocked()
	s.mu.Unlock()
	s.save(snap)
}

func (s *Server) cardInfoLocked(c *card) CardInfo {
	info := CardInfo{
		ID: c.ID, ProgramID: c.ProgramID, Status: c.Status, Balance: c.Balance,
		Currency: findProgram(c.ProgramID).currency(), Last4: last4(c.PAN),
		PinChanges: c.PinChanges, Created: c.Created, Purged: c.Purged,
	}
	if c.Pending != nil {
		info.PendingOperation, info.PendingTaskID = c.Pending.Op, c.Pending.TaskID
	}
	return info
}

// Cards lists every card, oldest first, including cancelled ones past retention (Purged).
func (s *Server) Cards() []CardInfo {
	var out []CardInfo
	s.update(func(time.Time) {
		for _, c := range s.st.sortedCards() {
			out = append(out, s.cardInfoLocked(c))
		}
	})
	return out
}

// Card returns one card.
func (s *Server) Card(id string) (CardInfo, bool) {
	var (
		info  CardInfo
		found bool
	)
	s.update(func(time.Time) {
		if c := s.st.Cards[normID(id)]; c != nil {
			info, found = s.cardInfoLocked(c), true
		}
	})
	return info, found
}

// ForceCardStatus changes a card's status out of band, as the issuer or cardholder might
// (drift for Terraform to detect). Any pending operation of the card is dropped; forcing
// Cancelled starts the retention period; forcing Active or Frozen issues the card's number,
// CVV and PIN if it had none.
func (s *Server) ForceCardStatus(id, status string) error {
	canonical := ""
	for _, st := range cardStatuses {
		if strings.EqualFold(st, status) {
			canonical = st
		}
	}
	if canonical == "" {
		return fmt.Errorf("unknown card status %q (want one of %s)", status, strings.Join(cardStatuses, ", "))
	}
	var err error
	s.update(func(now time.Time) {
		c := s.st.visibleCard(id)
		if c == nil {
			err = fmt.Errorf("card %s not found", id)
			return
		}
		c.Pending = nil
		c.CancelledAt, c.PurgeAt = time.Time{}, time.Time{}
		switch canonical {
		case CardStatusCancelled:
			s.cancelLocked(c, now)
		case CardStatusActive, CardStatusFrozen:
			s.issueCredentialsLocked(c, now)
			c.Status = canonical
		default:
			c.Status = canonical
		}
		s.dirty = true
	})
	return err
}

// ReviewKYC settles a card's pending KYC review now: approve → AwaitingBinding, otherwise
// KycRejected. It fails when the card is not in KycReview.
func (s *Server) ReviewKYC(id string, approve bool) error {
	var err error
	s.update(func(time.Time) {
		c := s.st.visibleCard(id)
		switch {
		case c == nil:
			err = fmt.Errorf("card %s not found", id)
		case c.Status != CardStatusKYCReview: // also settles a review forced by ForceCardStatus
			err = fmt.Errorf("card %s is %s, not in KycReview", id, c.Status)
		default:
			c.Pending = nil
			s.finishReviewLocked(c, approve)
			s.dirty = true
		}
	})
	return err
}

// Settle completes every pending operation, KYC review and top-up now, whatever its due
// time (reviews take their default outcome). Retention periods are not shortened.
func (s *Server) Settle() {
	s.update(func(now time.Time) { s.settleLocked(now) })
}

// Counters returns per-operation request counts. Keys, with Op an operation name such as
// "ApplyCard" (see the Op* constants):
//
//	Op               every request routed to Op, whatever became of it
//	Op.processed     requests Op acted on: the state change was made (card created, top-up
//	                 accepted, freeze accepted, ...) or the read was answered. Includes
//	                 lose-response, late-answer and 500-after requests, whose answer was then
//	                 dropped, held back or replaced by a 500.
//	Op.refused       answered 200 "Failed", 400, 404, 405 or 413: nothing changed
//	Op.deduplicated  a repeat of a card operation still in progress: its task was returned
//	Op.unauthorized  answered 401
//	Op.faulted       injected faults: 429/500/503 (not processed) and lose-response,
//	                 late-answer and 500-after (processed, so also counted above)
//	Op.ratelimited   answered 429 by the platform's rate limit (Options.RateLimit), before
//	                 authentication: not processed, not counted as faulted
//	unknown          requests to a path under /api/v1 that is no operation
//	webhook.attempts, webhook.delivered   webhook POSTs tried and acknowledged
//
// So "exactly one card was created" is Counters()["ApplyCard.processed"] == 1.
func (s *Server) Counters() map[string]int { return s.stats.snapshot() }

// ResetCounters sets every counter to zero.
func (s *Server) ResetCounters() { s.stats.reset() }

// TopUps lists every top-up, oldest first.
func (s *Server) TopUps() []TopUpInfo {
	var out []TopUpInfo
	s.update(func(time.Time) {
		for _, t := range s.st.TopUps {
			out = append(out, TopUpInfo{
				TaskID: t.TaskID, CardID: t.CardID, Currency: t.Currency, Amount: t.Amount, Fee: t.Fee,
				ReceiveAmount: t.Amount.Sub(t.Fee), Status: t.Status, Remarks: t.Remarks,
				Created: t.Created, Completed: t.Completed,
			})
		}
	})
	sortTopUps(out)
	return out
}

func sortTopUps(list []TopUpInfo) {
	for i := 1; i < len(list); i++ { // insertion sort: lists are short and mostly ordered
		for j := i; j > 0 && (list[j].Created.Before(list[j-1].Created) ||
			list[j].Created.Equal(list[j-1].Created) && list[j].TaskID < list[j-1].TaskID); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// MerchantBalance returns the merchant's balance in a currency (zero if it has none).
func (s *Server) MerchantBalance(currency string) decimal.Decimal {
	var bal decimal.Decimal
	s.update(func(time.Time) { bal = s.st.Balances[strings.ToUpper(currency)] })
	return bal
}

// SetMerchantBalance sets the merchant's balance in a currency, as a deposit on the merchant
// platform would (e.g. to test "insufficient merchant balance").
func (s *Server) SetMerchantBalance(currency string, amount decimal.Decimal) {
	s.update(func(time.Time) {
		s.st.Balances[strings.ToUpper(currency)] = amount
		s.dirty = true
	})
}

// HTTP controls under /sandbox/, for scripts and the demo. Loopback callers only.

// faultsJSON is Faults on the wire; latency and lateAnswerDelay are Go duration strings
// ("150ms") or numbers of milliseconds.
type faultsJSON struct {
	Latency          json.RawMessage `json:"latency"`
	ErrorRate        float64         `json:"errorRate"`
	ThrottleRate     float64         `json:"throttleRate"`
	LoseResponseRate float64         `json:"loseResponseRate"`
	LateAnswerRate   float64         `json:"lateAnswerRate"`
	ErrorAfterRate   float64         `json:"errorAfterRate"`
	LateAnswerDelay  json.RawMessage `json:"lateAnswerDelay"`
	Next             []NextFault     `json:"next"`
}

// rateLimitJSON is the body of /sandbox/rate-limit.
type rateLimitJSON struct {
	RateLimit *float64 `json:"rateLimit"` // requests per second; 0 = unlimited
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request, path string) {
	if !isLoopback(r.RemoteAddr) {
		writeJSON(w, http.StatusForbidden, failure{StatusFailed, "sandbox controls answer loopback clients only"})
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if parts[0] != "" {
		parts[0] = strings.ToLower(parts[0])
	}
	method := r.Method
	fail := func(code int, format string, args ...any) {
		writeJSON(w, code, failure{StatusFailed, fmt.Sprintf(format, args...)})
	}
	decode := func(v any) bool {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
			fail(http.StatusBadRequest, "request body must be a JSON object: %v", err)
			return false
		}
		return true
	}
	wrong := func(allowed string) {
		w.Header().Set("Allow", allowed)
		fail(http.StatusMethodNotAllowed, "use %s", allowed)
	}

	switch {
	case len(parts) == 1 && parts[0] == "cards":
		if method != http.MethodGet {
			wrong(http.MethodGet)
			return
		}
		cards := s.Cards()
		if cards == nil {
			cards = []CardInfo{}
		}
		writeJSON(w, http.StatusOK, cards)

	case len(parts) == 2 && parts[0] == "cards":
		if method != http.MethodGet {
			wrong(http.MethodGet)
			return
		}
		info, found := s.Card(parts[1])
		if !found {
			fail(http.StatusNotFound, "Record Not Found")
			return
		}
		writeJSON(w, http.StatusOK, info)

	case len(parts) == 3 && parts[0] == "cards":
		if method != http.MethodPost {
			wrong(http.MethodPost)
			return
		}
		id := parts[1]
		var err error
		switch strings.ToLower(parts[2]) {
		case "status":
			var req struct {
				Status string `json:"status"`
			}
			if !decode(&req) {
				return
			}
			err = s.ForceCardStatus(id, req.Status)
		case "kyc":
			var req struct {
				Approve *bool `json:"approve"`
			}
			if !decode(&req) {
				return
			}
			if req.Approve == nil {
				fail(http.StatusBadRequest, `body must be {"approve": true|false}`)
				return
			}
			err = s.ReviewKYC(id, *req.Approve)
		case "transactions":
			var req struct {
				Count int `json:"count"`
			}
			if !decode(&req) {
				return
			}
			err = s.AddTransactions(id, req.Count)
		default:
			fail(http.StatusNotFound, "no such control")
			return
		}
		if err != nil {
			code := http.StatusBadRequest
			if strings.Contains(err.Error(), "not found") {
				code = http.StatusNotFound
			}
			fail(code, "%v", err)
			return
		}
		info, _ := s.Card(id)
		writeJSON(w, http.StatusOK, info)

	case len(parts) == 1 && parts[0] == "counters":
		switch method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Counters())
		case http.MethodDelete:
			s.ResetCounters()
			writeJSON(w, http.StatusOK, map[string]int{})
		default:
			wrong("GET, DELETE")
		}

	case len(parts) == 1 && parts[0] == "faults":
		switch method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, toFaultsJSON(s.CurrentFaults()))
		case http.MethodPut:
			var req faultsJSON
			if !decode(&req) {
				return
			}
			f, err := req.faults()
			if err == nil {
				err = f.Validate()
			}
			if err != nil {
				fail(http.StatusBadRequest, "%v", err)
				return
			}
			s.faults.set(f)
			writeJSON(w, http.StatusOK, toFaultsJSON(s.CurrentFaults()))
		default:
			wrong("GET, PUT")
		}

	case len(parts) == 1 && parts[0] == "status-names":
		switch method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.StatusNames())
		case http.MethodPut:
			var req map[string]string
			if !decode(&req) {
				return
			}
			if err := s.SetStatusNames(req); err != nil {
				fail(http.StatusBadRequest, "%v", err)
				return
			}
			writeJSON(w, http.StatusOK, s.StatusNames())
		default:
			wrong("GET, PUT")
		}

	case len(parts) == 1 && parts[0] == "rate-limit":
		switch method {
		case http.MethodGet:
		case http.MethodPut:
			var req rateLimitJSON
			if !decode(&req) {
				return
			}
			if req.RateLimit == nil {
				fail(http.StatusBadRequest, `body must be {"rateLimit": 5} (requests per second; 0 = unlimited)`)
				return
			}
			if err := s.SetRateLimit(*req.RateLimit); err != nil {
				fail(http.StatusBadRequest, "%v", err)
				return
			}
		default:
			wrong("GET, PUT")
			return
		}
		limit := s.RateLimit()
		writeJSON(w, http.StatusOK, rateLimitJSON{RateLimit: &limit})

	case len(parts) == 1 && parts[0] == "topups":
		if method != http.MethodGet {
			wrong(http.MethodGet)
			return
		}
		topUps := s.TopUps()
		if topUps == nil {
			topUps = []TopUpInfo{}
		}
		writeJSON(w, http.StatusOK, topUps)

	case len(parts) == 1 && parts[0] == "merchant":
		switch method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.balances())
		case http.MethodPut:
			var req struct {
				Currency string          `json:"currency"`
				Amount   decimal.Decimal `json:"amount"`
			}
			if !decode(&req) {
				return
			}
			if req.Currency == "" || req.Amount.IsNegative() {
				fail(http.StatusBadRequest, `body must be {"currency": "USD", "amount": "100.00"} with amount ≥ 0`)
				return
			}
			s.SetMerchantBalance(req.Currency, req.Amount)
			writeJSON(w, http.StatusOK, s.balances())
		default:
			wrong("GET, PUT")
		}

	case len(parts) == 1 && parts[0] == "settle":
		if method != http.MethodPost {
			wrong(http.MethodPost)
			return
		}
		s.Settle()
		writeJSON(w, http.StatusOK, map[string]string{"status": StatusSuccess})

	default:
		fail(http.StatusNotFound, "no such control: see GET /sandbox/cards, /sandbox/counters, /sandbox/faults, /sandbox/status-names, /sandbox/rate-limit, /sandbox/topups, /sandbox/merchant")
	}
}

// balances returns the merchant balances as money strings, for the control API.
func (s *Server) balances() map[string]string {
	out := map[string]string{}
	s.update(func(time.Time) {
		for cur, amount := range s.st.Balances {
			out[cur] = amount.StringFixed(2)
		}
	})
	return out
}

func (f faultsJSON) faults() (Faults, error) {
	out := Faults{
		ErrorRate: f.ErrorRate, ThrottleRate: f.ThrottleRate, LoseResponseRate: f.LoseResponseRate,
		LateAnswerRate: f.LateAnswerRate, ErrorAfterRate: f.ErrorAfterRate, Next: f.Next,
	}
	var err error
	if out.Latency, err = durationJSON("latency", f.Latency); err != nil {
		return out, err
	}
	out.LateAnswerDelay, err = durationJSON("lateAnswerDelay", f.LateAnswerDelay)
	return out, err
}

// durationJSON reads a duration given as a Go duration string ("150ms") or a number of
// milliseconds; absent or null is 0.
func durationJSON(name string, raw json.RawMessage) (time.Duration, error) {
	text, isScalar := scalarText(raw)
	switch {
	case !isScalar:
		return 0, fmt.Errorf(`%s must be a duration such as "150ms" or a number of milliseconds`, name)
	case text == "":
		return 0, nil
	case len(raw) > 0 && raw[0] == '"':
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return d, nil
	default:
		ms, err := decimal.NewFromString(text)
		if err != nil {
			return 0, fmt.Errorf("%s must be a number of milliseconds or a duration string", name)
		}
		return time.Duration(ms.Mul(decimal.NewFromInt(int64(time.Millisecond))).IntPart()), nil
	}
}

func toFaultsJSON(f Faults) map[string]any {
	next := f.Next
	if next == nil {
		next = []NextFault{}
	}
	return map[string]any{
		"latency": f.Latency.String(), "errorRate": f.ErrorRate, "throttleRate": f.ThrottleRate,
		"loseResponseRate": f.LoseResponseRate, "lateAnswerRate": f.LateAnswerRate,
		"errorAfterRate": f.ErrorAfterRate, "lateAnswerDelay": f.LateAnswerDelay.String(), "next": next,
	}
}

// isLoopback reports whether a request's remote address is a loopback address.
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
