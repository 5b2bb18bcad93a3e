package sandbox

import (
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestRechargeFeeFormula(t *testing.T) {
	cases := []struct {
		program, amount, fee string
	}{
		{ProgramVirtual, "100.00", "1.50"},           // 1.5%
		{ProgramVirtual, "10.00", "1.00"},            // 0.15 → min 1.00
		{ProgramVirtual, "5000.00", "50.00"},         // 75.00 → max 50.00
		{ProgramVirtual, "123.45", "1.85"},           // 1.85175 → 1.85
		{ProgramVirtual, "70.10", "1.05"},            // 1.0515 → 1.05
		{ProgramSignature, "250.50", "2.51"},         // 2.505 → half up 2.51 (banker's rounding would give 2.50)
		{ProgramSignature, "10.00", "0.50"},          // 0.10 → min 0.50
		{ProgramPhysicalKYC, "333.33", "6.67"},       // 6.6666 → 6.67
		{ProgramPhysicalKYCAtBinding, "100", "2.50"}, // 2.50 exactly at min
		{ProgramPhysicalKYCAtBinding, "3000", "75.00"},
	}
	for _, tc := range cases {
		fee, ok := RechargeFee(tc.program, dec(tc.amount))
		if !ok || !fee.Equal(dec(tc.fee)) {
			t.Errorf("fee(%s, %s) = %s, want %s", tc.program[:8], tc.amount, fee, tc.fee)
		}
	}
	if _, ok := RechargeFee("nope", dec("1")); ok {
		t.Error("unknown program has a fee")
	}
}

func TestEstimateMatchesTopUp(t *testing.T) {
	_, c := startSandbox(t, Options{})
	id := c.activeCard(ProgramVirtual)
	e := c.post("/EstimateCardTopUpFee", map[string]any{"cardId": id, "amount": "123.45"})
	mustStatus(t, e, http.StatusOK)
	if e.field("amount") != "123.45" || e.field("fee") != "1.85" || e.field("receiveAmount") != "121.60" || e.field("cardId") != id {
		t.Fatalf("estimate %s", e)
	}
	task := mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "123.45"})).field("taskId")
	st := c.get("/TopUpStatus/" + task)
	if st.field("fee") != "1.85" || st.field("settlemetAmount") != "121.60" {
		t.Fatalf("top-up status %s", st)
	}
	mustRefuse(t, c.post("/EstimateCardTopUpFee", map[string]any{"cardId": id, "amount": "0.50"}), "does not cover the recharge fee 1.00")
}

func TestTopUpMovesMoneyExactly(t *testing.T) {
	s, c := startSandbox(t, Options{TaskDelay: testDelay})
	id := c.activeCard(ProgramVirtual)
	start := s.MerchantBalance("USD")
	if !start.Equal(dec("100000.00")) {
		t.Fatalf("opening balance %s", start)
	}
	r := mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "100.10"}))
	task := r.field("taskId")
	if r.field("remarks") != "TopUpInProgress" {
		t.Fatalf("top-up answer %s", r)
	}
	// The merchant pays at acceptance; the card gets the money when the top-up settles.
	if got := s.MerchantBalance("usd"); !got.Equal(dec("99899.90")) {
		t.Fatalf("merchant balance after acceptance %s", got)
	}
	st := c.get("/TopUpStatus/" + task)
	if st.field("status") != StatusPending || st.field("amount") != "100.10" || st.field("type") != "recharge" || st.field("cardId") != id {
		t.Fatalf("pending status %s", st)
	}
	if c.get("/CardBalance/"+id).field("availableBalance") != "0.00" {
		t.Fatal("card credited before the top-up settled")
	}
	eventually(t, "top-up success", func() bool { return c.get("/TopUpStatus/"+task).field("status") == StatusSuccess })
	// fee = clamp(round(100.10 × 1.5%) = 1.50, 1.00, 50.00); card gets 98.60.
	bal := c.get("/CardBalance/" + id)
	if bal.field("availableBalance") != "98.60" || bal.field("currentBalance") != "98.60" {
		t.Fatalf("card balance %s", bal)
	}
	var page transactionPageJSONForTest
	c.post("/Card/Transactions", map[string]any{"cardId": id, "page": 1, "size": 10}).decode(t, &page)
	if page.Total != 2 || page.Items[0].Type != TxFee || page.Items[0].Amount != "1.50" ||
		page.Items[1].Type != TxRecharge || page.Items[1].Amount != "100.10" || page.Items[1].Fee != "1.50" || page.Items[1].TaskID != task {
		t.Fatalf("transactions %+v", page)
	}
	infos := s.TopUps()
	if len(infos) != 1 || !infos[0].ReceiveAmount.Equal(dec("98.60")) || infos[0].Status != StatusSuccess {
		t.Fatalf("control top-ups %+v", infos)
	}
	// Merchant balance + money in flight stays exact across many small top-ups.
	for i := 0; i < 20; i++ {
		mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "10.01"}))
	}
	mustRefuse(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "0.10"}), "does not cover the recharge fee 1.00")
	if got := s.MerchantBalance("USD"); !got.Equal(dec("99699.70")) {
		t.Fatalf("merchant balance after 20 × 10.01: %s", got)
	}
	s.Settle()
	// 98.60 + 20 × (10.01 − 1.00)
	if got := c.get("/CardBalance/" + id).field("availableBalance"); got != "278.80" {
		t.Fatalf("card balance %s", got)
	}
}

type transactionPageJSONForTest struct {
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
	Items []struct {
		TaskID   string `json:"taskId"`
		CardID   string `json:"cardId"`
		Type     string `json:"type"`
		Status   string `json:"status"`
		Amount   string `json:"amount"`
		Fee      string `json:"fee"`
		Currency string `json:"currency"`
		Date     int64  `json:"date"`
	} `json:"items"`
}

func TestTopUpRefusals(t *testing.T) {
	s, c := startSandbox(t, Options{})
	id := c.activeCard(ProgramVirtual)
	for _, bad := range []any{"abc", "1.234", "0", "0.00", "-5", "", "1e3", " 10", nil, true} {
		mustRefuse(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": bad}), "amount")
	}
	mustRefuse(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "5000.01"}), "exceeds the program's singleRechargeLimit 5000.00")
	s.SetMerchantBalance("USD", dec("49.99"))
	mustRefuse(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "50.00"}), "insufficient merchant balance", "49.99")
	if n := s.Counters()["CardTopUp.processed"]; n != 0 {
		t.Fatalf("%d refused top-ups processed", n)
	}
	// A bare JSON number is tolerated; the exact balance may be spent.
	mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": 49.99}))
	if got := s.MerchantBalance("USD"); !got.IsZero() {
		t.Fatalf("merchant balance %s", got)
	}
	if err := s.ForceCardStatus(id, CardStatusFrozen); err != nil {
		t.Fatal(err)
	}
	s.SetMerchantBalance("USD", dec("100"))
	mustRefuse(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "10.00"}), "card is Frozen")
}

func TestTopUpFailsFaultRefundsMerchant(t *testing.T) {
	s, c := startSandbox(t, Options{TaskDelay: time.Hour}) // Settle decides when work completes
	id := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual})).field("cardId")
	s.Settle()
	s.SetFaults(Faults{Next: []NextFault{{Operation: OpCardTopUp, Mode: ModeTopUpFails}}})
	task := mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "200.00"})).field("taskId")
	if got := s.MerchantBalance("USD"); !got.Equal(dec("99800.00")) {
		t.Fatalf("not debited at acceptance: %s", got)
	}
	if got := c.get("/TopUpStatus/" + task).field("status"); got != StatusPending {
		t.Fatalf("status before settling %s", got)
	}
	s.Settle()
	st := c.get("/TopUpStatus/" + task)
	if st.field("status") != StatusFailed {
		t.Fatalf("status %s", st)
	}
	if st.field("remarks") == "" {
		t.Fatalf("failed top-up without remarks: %s", st)
	}
	if got := s.MerchantBalance("USD"); !got.Equal(dec("100000.00")) {
		t.Fatalf("merchant not refunded: %s", got)
	}
	if c.get("/CardBalance/"+id).field("availableBalance") != "0.00" {
		t.Fatal("failed top-up credited the card")
	}
	// The fault was one-shot: the next top-up succeeds.
	task2 := mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "200.00"})).field("taskId")
	s.Settle()
	if got := c.get("/TopUpStatus/" + task2).field("status"); got != StatusSuccess {
		t.Fatalf("second top-up %s", got)
	}
	if c.get("/CardBalance/"+id).field("availableBalance") != "197.00" {
		t.Fatalf("balance %s", c.get("/CardBalance/"+id))
	}
}

func TestTopUpOnCardCancelledBeforeSettling(t *testing.T) {
	s, c := startSandbox(t, Options{TaskDelay: time.Hour})
	id := mustSucceed(t, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual})).field("cardId")
	s.Settle()
	task := mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": id, "amount": "10.00"})).field("taskId")
	if err := s.ForceCardStatus(id, CardStatusCancelled); err != nil {
		t.Fatal(err)
	}
	s.Settle()
	st := c.get("/TopUpStatus/" + task)
	if st.field("status") != StatusFailed || !s.MerchantBalance("USD").Equal(dec("100000")) {
		t.Fatalf("status %s, merchant %s", st, s.MerchantBalance("USD"))
	}
}

func TestTransactionsPagination(t *testing.T) {
	s, c := startSandbox(t, Options{})
	a := c.activeCard(ProgramVirtual)
	b := c.activeCard(ProgramSignature)
	if err := s.AddTransactions(a, 25); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTransactions(b, 3); err != nil {
		t.Fatal(err)
	}
	var p1, p3, p4 transactionPageJSONForTest
	c.post("/Card/Transactions", map[string]any{"cardId": a, "page": 1, "size": 10}).decode(t, &p1)
	c.post("/Card/Transactions", map[string]any{"cardId": a, "page": 3, "size": 10}).decode(t, &p3)
	c.post("/Card/Transactions", map[string]any{"cardId": a, "page": 4, "size": 10}).decode(t, &p4)
	if p1.Total != 25 || len(p1.Items) != 10 || len(p3.Items) != 5 || len(p4.Items) != 0 || p3.Page != 3 || p3.Size != 10 {
		t.Fatalf("pages: total %d, %d/%d/%d items", p1.Total, len(p1.Items), len(p3.Items), len(p4.Items))
	}
	// Newest first across pages.
	last := p1.Items[0].Date + 1
	for _, it := range append(p1.Items, p3.Items...) {
		if it.Date >= last || it.CardID != a || it.Type != TxConsume {
			t.Fatalf("order or content: %+v", it)
		}
		last = it.Date
	}
	// The card had no money, so every payment was declined.
	if p1.Items[0].Status != StatusFailed {
		t.Fatalf("payment on an empty card %+v", p1.Items[0])
	}
	// Time filter: payments are 1..25 minutes old, so [now-10m-30s, now] holds 10.
	now := time.Now().Unix()
	var filtered transactionPageJSONForTest
	c.post("/Card/Transactions", map[string]any{"cardId": a, "page": 1, "size": 100, "startTime": now - 630, "endTime": now}).decode(t, &filtered)
	if filtered.Total != 10 {
		t.Fatalf("filtered total %d", filtered.Total)
	}
	// Defaults: page 1, size 10. All cards: 28.
	var all transactionPageJSONForTest
	c.post("/Cards/Transactions", map[string]any{}).decode(t, &all)
	if all.Total != 28 || all.Page != 1 || all.Size != 10 || len(all.Items) != 10 {
		t.Fatalf("all cards page %+v", all)
	}
	mustStatus(t, c.post("/Cards/Transactions", map[string]any{"size": 101}), http.StatusBadRequest)
	mustStatus(t, c.post("/Cards/Transactions", map[string]any{"page": -1}), http.StatusBadRequest)
	mustStatus(t, c.post("/Cards/Transactions", map[string]any{"startTime": now, "endTime": now - 1}), http.StatusBadRequest)
	mustStatus(t, c.post("/Card/Transactions", map[string]any{"page": 1}), http.StatusBadRequest)

	// Consumption is taken off a funded card.
	task := mustSucceed(t, c.post("/CardTopUp", map[string]any{"cardId": b, "amount": "101.52"})).field("taskId")
	eventually(t, "top-up", func() bool { return c.get("/TopUpStatus/"+task).field("status") == StatusSuccess })
	if err := s.AddTransactions(b, 4); err != nil { // 1.25 + 1.50 + 1.75 + 2.00 = 6.50
		t.Fatal(err)
	}
	// 101.52 − fee 1.02 − 6.50 = 94.00
	if got := c.get("/CardBalance/" + b).field("availableBalance"); got != "94.00" {
		t.Fatalf("balance after payments %s", got)
	}
}
