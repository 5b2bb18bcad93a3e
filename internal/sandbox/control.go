package sandbox

import (
	"encoding/json"
	"errors"
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

// Counters returns per-operation request counts, and the connections accepted. Keys, with Op
// an operation name such as "ApplyCard" (see the Op* constants):
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
//	connections.opened  TCP connections accepted by a started sandbox (Start), the
//	                 control endpoints' included
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
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + strings.Trim(path, "/")
	s.controlsOnce.Do(func() { s.controls = s.controlMux() })
	s.controls.ServeHTTP(w, r2)
}

// controlMux routes /sandbox/... by method and path (the prefix already stripped).
func (s *Server) controlMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cards", s.listCardsControl)
	mux.HandleFunc("GET /cards/{id}", s.getCardControl)
	mux.HandleFunc("POST /cards/{id}/status", s.cardControl(s.forceStatusControl))
	mux.HandleFunc("POST /cards/{id}/kyc", s.cardControl(s.reviewKYCControl))
	mux.HandleFunc("POST /cards/{id}/transactions", s.cardControl(s.addTransactionsControl))
	mux.HandleFunc("GET /counters", s.getCountersControl)
	mux.HandleFunc("DELETE /counters", s.resetCountersControl)
	mux.HandleFunc("GET /faults", s.getFaultsControl)
	mux.HandleFunc("PUT /faults", s.setFaultsControl)
	mux.HandleFunc("GET /status-names", s.getStatusNamesControl)
	mux.HandleFunc("PUT /status-names", s.setStatusNamesControl)
	mux.HandleFunc("GET /rate-limit", s.getRateLimitControl)
	mux.HandleFunc("PUT /rate-limit", s.setRateLimitControl)
	mux.HandleFunc("GET /topups", s.listTopUpsControl)
	mux.HandleFunc("GET /merchant", s.getMerchantControl)
	mux.HandleFunc("PUT /merchant", s.setMerchantControl)
	mux.HandleFunc("POST /settle", s.settleControl)
	// Only GET: a catch-all for every method would answer 404 where the method is what is wrong.
	mux.HandleFunc("GET /", unknownControl)
	return mux
}

func (s *Server) listCardsControl(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, orEmpty(s.Cards()))
}

func (s *Server) getCardControl(w http.ResponseWriter, r *http.Request) {
	if info, found := s.Card(r.PathValue("id")); found {
		writeJSON(w, http.StatusOK, info)
		return
	}
	controlFail(w, http.StatusNotFound, "Record Not Found")
}

func (s *Server) forceStatusControl(id string, req cardControlJSON) error {
	return s.ForceCardStatus(id, req.Status)
}

func (s *Server) reviewKYCControl(id string, req cardControlJSON) error {
	if req.Approve == nil {
		return errors.New(`body must be {"approve": true|false}`)
	}
	return s.ReviewKYC(id, *req.Approve)
}

func (s *Server) addTransactionsControl(id string, req cardControlJSON) error {
	return s.AddTransactions(id, req.Count)
}

func (s *Server) getCountersControl(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Counters())
}

func (s *Server) resetCountersControl(w http.ResponseWriter, _ *http.Request) {
	s.ResetCounters()
	writeJSON(w, http.StatusOK, map[string]int{})
}

func (s *Server) getFaultsControl(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, toFaultsJSON(s.CurrentFaults()))
}

func (s *Server) setFaultsControl(w http.ResponseWriter, r *http.Request) {
	var req faultsJSON
	if !decodeControl(w, r, &req) {
		return
	}
	f, err := req.faults()
	if err == nil {
		err = f.Validate()
	}
	if err != nil {
		controlFail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.faults.set(f)
	writeJSON(w, http.StatusOK, toFaultsJSON(s.CurrentFaults()))
}

func (s *Server) getStatusNamesControl(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.StatusNames())
}

func (s *Server) setStatusNamesControl(w http.ResponseWriter, r *http.Request) {
	var req map[string]string
	if !decodeControl(w, r, &req) {
		return
	}
	if err := s.SetStatusNames(req); err != nil {
		controlFail(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.StatusNames())
}

func (s *Server) getRateLimitControl(w http.ResponseWriter, _ *http.Request) {
	limit := s.RateLimit()
	writeJSON(w, http.StatusOK, rateLimitJSON{RateLimit: &limit})
}

func (s *Server) setRateLimitControl(w http.ResponseWriter, r *http.Request) {
	var req rateLimitJSON
	if !decodeControl(w, r, &req) {
		return
	}
	if req.RateLimit == nil {
		controlFail(w, http.StatusBadRequest, `body must be {"rateLimit": 5} (requests per second; 0 = unlimited)`)
		return
	}
	if err := s.SetRateLimit(*req.RateLimit); err != nil {
		controlFail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.getRateLimitControl(w, r)
}

func (s *Server) listTopUpsControl(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, orEmpty(s.TopUps()))
}

func (s *Server) getMerchantControl(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.balances())
}

// merchantBalanceJSON is the body of PUT /sandbox/merchant.
type merchantBalanceJSON struct {
	Currency string          `json:"currency"`
	Amount   decimal.Decimal `json:"amount"`
}

func (s *Server) setMerchantControl(w http.ResponseWriter, r *http.Request) {
	var req merchantBalanceJSON
	if !decodeControl(w, r, &req) {
		return
	}
	if req.Currency == "" || req.Amount.IsNegative() {
		controlFail(w, http.StatusBadRequest, `body must be {"currency": "USD", "amount": "100.00"} with amount ≥ 0`)
		return
	}
	s.SetMerchantBalance(req.Currency, req.Amount)
	writeJSON(w, http.StatusOK, s.balances())
}

func (s *Server) settleControl(w http.ResponseWriter, _ *http.Request) {
	s.Settle()
	writeJSON(w, http.StatusOK, map[string]string{"status": StatusSuccess})
}

func unknownControl(w http.ResponseWriter, _ *http.Request) {
	controlFail(w, http.StatusNotFound, "no such control: see GET /sandbox/cards, /sandbox/counters, /sandbox/faults, "+
		"/sandbox/status-names, /sandbox/rate-limit, /sandbox/topups, /sandbox/merchant")
}

// cardControlJSON is the body of the POST /sandbox/cards/{id}/... controls.
type cardControlJSON struct {
	Status  string `json:"status"`
	Approve *bool  `json:"approve"`
	Count   int    `json:"count"`
}

// cardControl runs a control on one card and answers with the card.
func (s *Server) cardControl(apply func(id string, req cardControlJSON) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req cardControlJSON
		if !decodeControl(w, r, &req) {
			return
		}
		id := r.PathValue("id")
		if err := apply(id, req); err != nil {
			code := http.StatusBadRequest
			if strings.Contains(err.Error(), "not found") {
				code = http.StatusNotFound
			}
			controlFail(w, code, err.Error())
			return
		}
		info, _ := s.Card(id)
		writeJSON(w, http.StatusOK, info)
	}
}

func controlFail(w http.ResponseWriter, code int, remarks string) {
	writeJSON(w, code, failure{StatusFailed, remarks})
}

// decodeControl reads a control's JSON body, answering 400 when it is not one.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		controlFail(w, http.StatusBadRequest, fmt.Sprintf("request body must be a JSON object: %v", err))
		return false
	}
	return true
}

// orEmpty makes a nil list encode as [] rather than null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
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
