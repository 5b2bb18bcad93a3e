package sandbox

import (
	"bytes"
	"encoding/json"
	"regexp"
	"time"

	"github.com/shopspring/decimal"
)

// amountPattern is a positive decimal with at most two places: "100", "100.5", "100.50".
var amountPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)

// parseAmount reads the amount field, a decimal string (a bare JSON number is tolerated).
// It returns a refusal remark when the amount is not acceptable.
func parseAmount(raw json.RawMessage) (decimal.Decimal, string) {
	var text string
	trimmed := bytes.TrimSpace(raw)
	isScalar := true
	switch {
	case len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")):
	case trimmed[0] == '"':
		isScalar = json.Unmarshal(trimmed, &text) == nil // exact: " 10" is not an amount
	case trimmed[0] == '{' || trimmed[0] == '[':
		isScalar = false
	default:
		text = string(trimmed)
	}
	switch {
	case !isScalar || text == "":
		return decimal.Decimal{}, "amount is required, as a decimal string such as \"100.00\""
	case !amountPattern.MatchString(text):
		return decimal.Decimal{}, "invalid amount " + quoteShort(text) + ": want a positive decimal with at most 2 places, such as \"100.00\""
	}
	amount, err := decimal.NewFromString(text)
	if err != nil || !amount.IsPositive() {
		return decimal.Decimal{}, "invalid amount " + quoteShort(text) + ": must be greater than 0"
	}
	return amount, ""
}

func quoteShort(s string) string {
	if len(s) > 32 {
		s = s[:32] + "…"
	}
	return `"` + s + `"`
}

type amountRequest struct {
	CardID string          `json:"cardId"`
	Amount json.RawMessage `json:"amount"`
}

// decodeAmountRequest reads a {cardId, amount} body: the card, and the amount as a decimal.
func (s *Server) decodeAmountRequest(c *call) (*card, decimal.Decimal, *result) {
	var req amountRequest
	cd, bad := s.decodeCardRequest(c, &req, &req.CardID)
	if bad != nil {
		return nil, decimal.Decimal{}, bad
	}
	amount, problem := parseAmount(req.Amount)
	if problem != "" {
		return nil, decimal.Decimal{}, new(refuse("%s", problem))
	}
	return cd, amount, nil
}

func (s *Server) estimateTopUpFee(c *call) result {
	cd, amount, bad := s.decodeAmountRequest(c)
	if bad != nil {
		return *bad
	}
	fee := findProgram(cd.ProgramID).rechargeFee(amount)
	receive := amount.Sub(fee)
	if !receive.IsPositive() {
		return refuse("amount %s does not cover the recharge fee %s", amount.StringFixed(2), fee.StringFixed(2))
	}
	return ok(estimateJSON{CardID: cd.ID, Amount: money(amount), Fee: money(fee), ReceiveAmount: money(receive)})
}

// cardTopUp debits the merchant at acceptance; the card is credited amount − fee when the
// top-up settles (TaskDelay later). A failed top-up refunds the merchant.
func (s *Server) cardTopUp(c *call) result {
	cd, amount, bad := s.decodeAmountRequest(c)
	if bad != nil {
		return *bad
	}
	if cd.Status != CardStatusActive {
		return refuse("card is %s; CardTopUp needs a card that is %s", s.wireStatusLocked(cd.Status), s.wireStatusLocked(CardStatusActive))
	}
	p := findProgram(cd.ProgramID)
	if limit := p.singleLimit(); amount.GreaterThan(limit) {
		return refuse("amount %s exceeds the program's singleRechargeLimit %s", amount.StringFixed(2), limit.StringFixed(2))
	}
	fee := p.rechargeFee(amount)
	if !amount.Sub(fee).IsPositive() {
		return refuse("amount %s does not cover the recharge fee %s", amount.StringFixed(2), fee.StringFixed(2))
	}
	cur := p.currency()
	if bal := s.st.Balances[cur]; bal.LessThan(amount) {
		return refuse("insufficient merchant balance: %s balance %s is less than amount %s", cur, bal.StringFixed(2), amount.StringFixed(2))
	}
	s.st.Balances[cur] = s.st.Balances[cur].Sub(amount)
	t := &topUp{
		TaskID: newID(), CardID: cd.ID, Currency: cur, Amount: amount, Fee: fee,
		Status: StatusPending, Remarks: "TopUpInProgress", Created: c.now, Due: c.now.Add(s.opts.TaskDelay),
		Fail: s.faults.takeTopUpFailure(),
	}
	s.st.TopUps[t.TaskID] = t
	s.scheduleLocked(t.Due, dueTopUp, t.TaskID, t.TaskID)
	s.dirty = true
	return ok(taskJSON{TaskID: t.TaskID, Status: StatusSuccess, Remarks: "TopUpInProgress"})
}

func (s *Server) topUpStatus(c *call) result {
	t := s.st.TopUps[normID(c.id)]
	if t == nil {
		return notFound()
	}
	return ok(topUpStatusJSON{
		TaskID: t.TaskID, CardID: t.CardID, Currency: t.Currency,
		Amount: money(t.Amount), SettlementAmount: money(t.Amount.Sub(t.Fee)), Fee: money(t.Fee),
		Type: TxRecharge, Date: t.Created.Unix(), Status: s.wireStatusLocked(t.Status), Remarks: t.Remarks,
	})
}

// finishTopUpLocked settles a due top-up: credit the card, or fail and refund the merchant.
func (s *Server) finishTopUpLocked(t *topUp, at time.Time) {
	cd := s.st.Cards[t.CardID]
	var failure string
	switch {
	case t.Fail:
		failure = "TopUp failed: the issuer declined the load (sandbox fault topup-fails); the merchant balance was refunded"
	case cd == nil || cd.Status == CardStatusCancelled || cd.Purged:
		failure = "TopUp failed: the card was cancelled before the load completed; the merchant balance was refunded"
	}
	t.Completed = at
	if failure != "" {
		t.Status, t.Remarks = StatusFailed, failure
		s.st.Balances[t.Currency] = s.st.Balances[t.Currency].Add(t.Amount)
		s.st.addTransaction(&transaction{TaskID: t.TaskID, CardID: t.CardID, Type: TxRecharge, Status: StatusFailed,
			Amount: t.Amount, Fee: decimal.Zero, Currency: t.Currency, Remarks: failure, Date: at})
		s.notifyLocked(webhookJSON{CardID: t.CardID, TaskID: t.TaskID, NotifyType: "recharge", Status: s.wireStatusLocked(StatusFailed),
			Remarks: failure, Amount: t.Amount.StringFixed(2), Currency: t.Currency})
		return
	}
	receive := t.Amount.Sub(t.Fee)
	cd.Balance = cd.Balance.Add(receive)
	t.Status, t.Remarks = StatusSuccess, "TopUp SuccessFully"
	// The recharge item shows the gross amount (its fee field is informational); the fee item
	// takes the fee off, so recharge − fee − consumed = balance.
	s.st.addTransaction(&transaction{TaskID: t.TaskID, CardID: t.CardID, Type: TxRecharge, Status: StatusSuccess,
		Amount: t.Amount, Fee: t.Fee, Currency: t.Currency, Remarks: "Card recharge", Date: at})
	s.st.addTransaction(&transaction{TaskID: t.TaskID, CardID: t.CardID, Type: TxFee, Status: StatusSuccess,
		Amount: t.Fee, Fee: decimal.Zero, Currency: t.Currency, Remarks: "Recharge fee", Date: at})
	s.notifyLocked(webhookJSON{CardID: t.CardID, TaskID: t.TaskID, NotifyType: "recharge", Status: s.wireStatusLocked(StatusSuccess),
		Remarks: t.Remarks, Amount: t.Amount.StringFixed(2), Currency: t.Currency})
}
