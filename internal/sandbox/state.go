package sandbox

import (
	"container/heap"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Card statuses (internal/cardsapi/API.md §6).
const (
	CardStatusPending         = "Pending"
	CardStatusKYCReview       = "KycReview"
	CardStatusKYCRejected     = "KycRejected"
	CardStatusAwaitingBinding = "AwaitingBinding"
	CardStatusActive          = "Active"
	CardStatusFrozen          = "Frozen"
	CardStatusCancelled       = "Cancelled"
)

var cardStatuses = []string{
	CardStatusPending, CardStatusKYCReview, CardStatusKYCRejected, CardStatusAwaitingBinding,
	CardStatusActive, CardStatusFrozen, CardStatusCancelled,
}

// Task and top-up statuses.
const (
	StatusSuccess = "Success"
	StatusFailed  = "Failed"
	StatusPending = "Pending" // top-up accepted, not yet settled
)

// Operation names: the keys of Counters and the Operation of a NextFault. They match the
// client's operation names.
const (
	OpMerchantInformation  = "MerchantInformation"
	OpProgramDetails       = "ProgramDetails"
	OpApplyCard            = "ApplyCard"
	OpBinding              = "Binding"
	OpCardDetails          = "CardDetails"
	OpPinDetails           = "PinDetails"
	OpCardBalance          = "CardBalance"
	OpCardTransactions     = "CardTransactions"
	OpTransactions         = "Transactions"
	OpCountries            = "Countries"
	OpTowns                = "Towns"
	OpEstimateCardTopUpFee = "EstimateCardTopUpFee"
	OpCardTopUp            = "CardTopUp"
	OpTopUpStatus          = "TopUpStatus"
	OpCardFreeze           = "CardFreeze"
	OpCardUnFreeze         = "CardUnFreeze"
	OpCancelCard           = "CancelCard"
	OpCardSetPin           = "CardSetPin"
)

// Internal pending operations besides the card operations above.
const (
	opActivate  = "Activate"  // Pending → Active (after ApplyCard of a virtual card, or Binding)
	opKYCReview = "KycReview" // KycReview → AwaitingBinding | KycRejected
)

// Transaction types (internal/cardsapi/API.md §5.4).
const (
	TxConsume  = "consume"
	TxFee      = "fee"
	TxRefund   = "refund"
	TxRecharge = "recharge"
)

// stateVersion is written into the state file; a file with another version is refused.
const stateVersion = 1

// state is everything the sandbox knows, exactly what the state file holds. Money is
// decimal.Decimal, which JSON-encodes as an exact quoted string.
type state struct {
	Version      int                        `json:"version"`
	Balances     map[string]decimal.Decimal `json:"balances"` // merchant balances by currency
	Cards        map[string]*card           `json:"cards"`
	TopUps       map[string]*topUp          `json:"topUps"`
	Transactions []*transaction             `json:"transactions"`
	Seq          uint64                     `json:"seq"` // last transaction sequence number

	byPAN    map[string]string         // PAN → card id, so a physical card binds only once
	txByCard map[string][]*transaction // card id → its transactions
}

type card struct {
	ID          string          `json:"id"`
	ProgramID   string          `json:"programId"`
	Status      string          `json:"status"`
	PAN         string          `json:"pan,omitempty"`
	CVV         string          `json:"cvv,omitempty"`
	Expiry      string          `json:"expiry,omitempty"` // MM/YY
	PIN         string          `json:"pin,omitempty"`
	Activated   bool            `json:"activated,omitempty"` // PAN, CVV, expiry and PIN are revealed from activation on
	Balance     decimal.Decimal `json:"balance"`
	PinChanges  int             `json:"pinChanges"`
	Created     time.Time       `json:"created"`
	CancelledAt time.Time       `json:"cancelledAt,omitzero"`
	PurgeAt     time.Time       `json:"purgeAt,omitzero"`
	Purged      bool            `json:"purged,omitempty"` // past retention: the API answers 404
	Pending     *pendingOp      `json:"pending,omitempty"`
}

// pendingOp is an accepted card operation waiting for its due time. A card has at most one.
type pendingOp struct {
	Op     string    `json:"op"`
	TaskID string    `json:"taskId"`
	Due    time.Time `json:"due"`
	Reject bool      `json:"reject,omitempty"` // outcome of a KYC review, decided at ApplyCard
}

type topUp struct {
	TaskID    string          `json:"taskId"`
	CardID    string          `json:"cardId"`
	Currency  string          `json:"currency"`
	Amount    decimal.Decimal `json:"amount"`
	Fee       decimal.Decimal `json:"fee"`
	Status    string          `json:"status"`
	Remarks   string          `json:"remarks"`
	Created   time.Time       `json:"created"`
	Due       time.Time       `json:"due"`
	Fail      bool            `json:"fail,omitempty"` // the one-shot "topup-fails" fault picked it
	Completed time.Time       `json:"completed,omitzero"`
}

type transaction struct {
	Seq      uint64          `json:"seq"`
	TaskID   string          `json:"taskId"`
	CardID   string          `json:"cardId"`
	Type     string          `json:"type"`
	Status   string          `json:"status"`
	Amount   decimal.Decimal `json:"amount"`
	Fee      decimal.Decimal `json:"fee"`
	Currency string          `json:"currency"`
	Remarks  string          `json:"remarks"`
	Date     time.Time       `json:"date"`
}

func newState() *state {
	st := &state{
		Version:  stateVersion,
		Balances: make(map[string]decimal.Decimal),
		Cards:    make(map[string]*card),
		TopUps:   make(map[string]*topUp),
	}
	for _, b := range seedBalances {
		st.Balances[b.Currency] = decimal.RequireFromString(b.Amount)
	}
	st.reindex()
	return st
}

// reindex rebuilds the derived maps (after loading a state file).
func (st *state) reindex() {
	st.byPAN = make(map[string]string)
	st.txByCard = make(map[string][]*transaction)
	for _, c := range st.Cards {
		if c.PAN != "" {
			st.byPAN[c.PAN] = c.ID
		}
	}
	for _, t := range st.Transactions {
		st.txByCard[t.CardID] = append(st.txByCard[t.CardID], t)
	}
}

// visibleCard returns a card the API may show: unknown and purged cards are "Record Not Found".
func (st *state) visibleCard(id string) *card {
	c := st.Cards[normID(id)]
	if c == nil || c.Purged {
		return nil
	}
	return c
}

func (st *state) addTransaction(t *transaction) {
	st.Seq++
	t.Seq = st.Seq
	st.Transactions = append(st.Transactions, t)
	st.txByCard[t.CardID] = append(st.txByCard[t.CardID], t)
}

// sortedCards lists cards oldest first, for stable control output.
func (st *state) sortedCards() []*card {
	out := make([]*card, 0, len(st.Cards))
	for _, c := range st.Cards {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// dueKind says what a due item completes.
type dueKind int

const (
	dueCard  dueKind = iota // the card's pending operation
	dueTopUp                // a pending top-up
	duePurge                // a cancelled card leaves its retention period
)

type dueItem struct {
	at   time.Time
	seq  uint64 // FIFO among items due at the same instant
	kind dueKind
	id   string // card id or top-up task id
	task string // pending task id, to skip items made stale by a control
}

// dueQueue is a min-heap by due time: transitions are applied lazily, in due order, by
// whoever touches the state next (a request, a control, or the webhook scheduler).
type dueQueue []*dueItem

func (q dueQueue) Len() int { return len(q) }
func (q dueQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q dueQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *dueQueue) Push(x any) {
	if it, isItem := x.(*dueItem); isItem {
		*q = append(*q, it)
	}
}
func (q *dueQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return it
}

// schedule queues a transition and wakes the scheduler (if any) so webhooks fire on time.
func (s *Server) scheduleLocked(at time.Time, kind dueKind, id, task string) {
	s.dueSeq++
	heap.Push(&s.queue, &dueItem{at: at, seq: s.dueSeq, kind: kind, id: id, task: task})
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// rescheduleAllLocked rebuilds the queue from the state (after loading a state file).
func (s *Server) rescheduleAllLocked() {
	for _, c := range s.st.Cards {
		if c.Pending != nil {
			s.scheduleLocked(c.Pending.Due, dueCard, c.ID, c.Pending.TaskID)
		}
		if c.Status == CardStatusCancelled && !c.Purged && !c.PurgeAt.IsZero() {
			s.scheduleLocked(c.PurgeAt, duePurge, c.ID, "")
		}
	}
	for _, t := range s.st.TopUps {
		if t.Status == StatusPending {
			s.scheduleLocked(t.Due, dueTopUp, t.TaskID, t.TaskID)
		}
	}
}

// popDueLocked removes the earliest due item; the queue must not be empty.
func (s *Server) popDueLocked() *dueItem {
	it, _ := heap.Pop(&s.queue).(*dueItem) // the queue only ever holds *dueItem
	return it
}

// advanceLocked applies every transition due at or before now, each at its own due time.
func (s *Server) advanceLocked(now time.Time) {
	for len(s.queue) > 0 && !s.queue[0].at.After(now) {
		it := s.popDueLocked()
		s.completeLocked(it, it.at)
	}
}

// settleLocked completes every pending operation now, whatever its due time. Retention
// purges are not operations and keep their time.
func (s *Server) settleLocked(now time.Time) {
	s.advanceLocked(now)
	var purges []*dueItem
	for len(s.queue) > 0 {
		it := s.popDueLocked()
		if it.kind == duePurge {
			purges = append(purges, it)
			continue
		}
		s.completeLocked(it, now)
	}
	for _, it := range purges {
		heap.Push(&s.queue, it)
	}
}

func (s *Server) completeLocked(it *dueItem, at time.Time) {
	switch it.kind {
	case dueCard:
		c := s.st.Cards[it.id]
		if c == nil || c.Pending == nil || c.Pending.TaskID != it.task {
			return // settled early by a control, or superseded by a forced status
		}
		op := c.Pending
		c.Pending = nil
		s.finishCardOpLocked(c, op, at)
	case dueTopUp:
		t := s.st.TopUps[it.id]
		if t == nil || t.Status != StatusPending {
			return
		}
		s.finishTopUpLocked(t, at)
	case duePurge:
		c := s.st.Cards[it.id]
		if c == nil || c.Purged || c.Status != CardStatusCancelled || !c.PurgeAt.Equal(it.at) {
			return
		}
		c.Purged = true
	}
	s.dirty = true
}

// finishCardOpLocked applies the outcome of a card operation that has become due.
func (s *Server) finishCardOpLocked(c *card, op *pendingOp, at time.Time) {
	switch op.Op {
	case opActivate:
		c.Status = CardStatusActive
		s.issueCredentialsLocked(c, at)
		s.notifyLocked(webhookJSON{CardID: c.ID, TaskID: c.ID, NotifyType: "createcard", Status: StatusSuccess, Remarks: "Card activated"})
	case opKYCReview:
		s.finishReviewLocked(c, !op.Reject)
	case OpCardFreeze:
		c.Status = CardStatusFrozen
		s.notifyOperationLocked(c, op, "CardFreeze SuccessFully")
	case OpCardUnFreeze:
		c.Status = CardStatusActive
		s.notifyOperationLocked(c, op, "CardUnFreeze SuccessFully")
	case OpCancelCard:
		s.cancelLocked(c, at)
		s.notifyOperationLocked(c, op, "CancelCard SuccessFully")
	case OpCardSetPin:
		c.PIN = newPIN(c.PIN)
		c.PinChanges++
		s.notifyOperationLocked(c, op, "CardSetPin SuccesFully!")
	}
}

func (s *Server) finishReviewLocked(c *card, approve bool) {
	if approve {
		c.Status = CardStatusAwaitingBinding
		s.notifyLocked(webhookJSON{CardID: c.ID, TaskID: c.ID, NotifyType: "kycstatus", Status: StatusSuccess, Remarks: "KYC approved"})
		return
	}
	c.Status = CardStatusKYCRejected
	s.notifyLocked(webhookJSON{CardID: c.ID, TaskID: c.ID, NotifyType: "kycstatus", Status: StatusFailed, Remarks: "KYC rejected"})
}

// cancelLocked makes a card Cancelled and starts its retention period.
func (s *Server) cancelLocked(c *card, at time.Time) {
	c.Status = CardStatusCancelled
	c.CancelledAt = at
	c.PurgeAt = at.Add(s.opts.CancelledRetention)
	s.scheduleLocked(c.PurgeAt, duePurge, c.ID, "")
}

func (s *Server) notifyOperationLocked(c *card, op *pendingOp, remarks string) {
	s.notifyLocked(webhookJSON{CardID: c.ID, TaskID: op.TaskID, NotifyType: "operation", Status: StatusSuccess, Remarks: remarks})
}

// issueCredentialsLocked gives an activated card its PAN (virtual cards; physical ones got it
// at Binding), CVV, expiry about three years ahead, and first PIN.
func (s *Server) issueCredentialsLocked(c *card, at time.Time) {
	if c.PAN == "" {
		p := findProgram(c.ProgramID)
		for {
			pan := newPAN(p.wire.BIN)
			if _, taken := s.st.byPAN[pan]; !taken {
				c.PAN = pan
				s.st.byPAN[pan] = c.ID
				break
			}
		}
	}
	if c.CVV == "" {
		c.CVV = randomDigits(3)
		c.Expiry = at.UTC().AddDate(3, 0, 0).Format("01/06")
	}
	if c.PIN == "" {
		c.PIN = newPIN("")
	}
	c.Activated = true
}
