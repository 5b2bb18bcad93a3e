package cardsapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Bodies shaped like the documented examples (API.md §3–§5) and the variants API.md
// warns about. They are also the fuzz seeds.
var specBodies = map[string]string{
	"task":            `{"taskId":"d55709b7-a56f-4bcc-b08a-00131bfc8bf1","status":"Success","remarks":"CardInProgress"}`,
	"task numeric id": `{"TaskId":12345,"Status":"Success","Remarks":"CardSetPin SuccesFully!"}`,
	"merchant": `{"name":"Acme","email":"ops@acme.test","mobile":"+15550100",
		"balances":{"currency":"USD","currencyCode":"USD","network":"TRC-20","amount":"100"},
		"Programs":[{"programId":"d55709b7-a56f-4bcc-b08a-00131bfc8bf1","bin":411111,"name":"Virtual USD","currency":"USD","type":"Debit","consumptionMethod":"Online","isoCountryName":"United States",
			"cardFee":5,"cardOpeningFee":"2.50","firstRechargeAmount":"10.00","cancellationFeeMin":0,"cancellationFeeMax":"1","freightFee":0,"rechargeFeeMin":"1","rechargeFeeMax":"3.5","transactionFee":"0.2","atmWithdrawalFee":"2","maintenanceFee":"0","atmBalanceInquiryFee":"0.5",
			"monthlyRechargeLimit":"50000","dailyRechargeLimit":"10000","singleRechargeLimit":"5000","perPaymentLimit":"5000","atmDailyWithdrawalLimit":"1000","spendingLimit":"100000",
			"reviewTime":"2025-01-01T00:00:00","cardState":"Active","note":"","remarks":"","supportedOperationTypes":"Freeze,UnFreeze,Cancel","supportedPlatforms":"Visa",
			"cardImage":"https://img.test/card.png","topUpTokens":[{"token":"USDT","network":"TRC-20","address":"T123"}],
			"kycRequiredWhileApplyCard":false,"kycRequirements":null,"kycType":"None","needPhotoForActiveCard":false,"needPhotoForOperateCard":false,"envelopeNoRequired":false}]}`,
	"merchant single program, balances list": `{"Name":"Acme","mobile":15550100,"balances":[{"currency":"USD","currencyCode":840,"network":"TRC-20","amount":100.5},{"currency":"USDT","network":"ERC-20","amount":"12.2900"}],
		"programs":{"programId":"p2","bin":"522222","kycRequiredWhileApplyCard":"true","kycRequirements":"FullName,Comms,FullAddress","kycType":2,"needPhotoForActiveCard":1,"needPhotoForOperateCard":"0","envelopeNoRequired":"True","cardFee":"12.2900"}}`,
	"program":                `{"programId":"p3","bin":400000,"name":"Physical EUR","currency":"EUR","type":"Debit","cardFee":"7","kycRequiredWhileApplyCard":true,"kycRequirements":"Passport,FullName","envelopeNoRequired":true,"topUpTokens":{"token":"USDT","network":"TRC-20","address":"T9"},"unknownField":{"x":[1,2]}}`,
	"apply card":             `{"cardId":"d55709b7-a56f-4bcc-b08a-00131bfc8bf1","status":"Success","remarks":"CardInProgress"}`,
	"binding":                `{"cardId":"c1","cardno":"4111111111111111","status":"Success","remarks":"Bound"}`,
	"card details":           `{"cardNumber":"4111111111111111","cvv":"123","expirationDate":"12/29","cardStatus":"Active"}`,
	"card details numbers":   `{"CardNumber":4111111111111111,"CVV":987,"ExpirationDate":"2029-12","CardStatus":"KycReview"}`,
	"pin details":            `{"cardNumber":"4111111111111111","pin":"0042"}`,
	"card balance":           `{"availableBalance":"100.00","cardCurrency":"USD","cardNumber":"411111******1111","cardType":"Virtual","currentBalance":100.5}`,
	"card balance lowercase": `{"availablebalance":"12.2900","cardcurrency":"USD","cardnumber":"4111","cardtype":1,"currentbalance":"12.29"}`,
	"transactions": `{"total":2,"page":1,"size":50,"items":[
		{"taskId":"t1","cardId":"c1","type":"recharge","status":"Success","amount":"100.00","fee":"1.5","currency":"USD","remarks":"","date":1764000000},
		{"taskId":"t2","cardId":"c1","type":"consume","status":"Success","amount":-20.25,"fee":0,"currency":"USD","remarks":"Coffee","date":"2025-11-24T16:00:00Z"}]}`,
	"transactions strings, single item": `{"total":"1","page":"1","size":"10","items":{"taskId":7,"cardId":"c1","type":"fee","status":"Success","amount":"0.10","fee":"0","currency":"USD","date":"1764000000"}}`,
	"countries":                         `[{"id":1,"name":"India","nationality":"Indian","isoTwo":"IN","isoThree":"IND","isoNumber":356},{"id":"2","name":"United States","nationality":"American","isoTwo":"US","isoThree":"USA","isoNumber":"840"}]`,
	"countries single":                  `{"Id":91,"Name":"India","IsoTwo":"IN","IsoThree":"IND","IsoNumber":"356"}`,
	"towns":                             `[{"id":10,"name":"Mumbai","code":"MH-01","countryOrRegion":"IN"},{"id":"11","name":"Pune","code":411001,"countryOrRegion":1}]`,
	"fee estimate":                      `{"cardId":"c1","amount":"100.00","fee":"2.5","receiveAmount":97.5}`,
	"top-up status":                     `{"taskId":"t1","cardId":"c1","currency":"USD","amount":"100","settlemetAmount":"98.5","fee":"1.5","type":"recharge","date":1764000000,"status":"Success","remarks":"done"}`,
	"top-up status strings":             `{"TaskId":"t1","CardId":"c1","Amount":"100.00","SettlemetAmount":98.5,"Fee":1.5,"Type":1,"Date":"2025-11-24 16:00:00","Status":"Pending"}`,
	"refused":                           `{"status":"Failed","remarks":"Record Not Found"}`,
	"problem":                           `{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"CardId":["The CardId field is required."]}}`,
	"empty object":                      `{}`,
	"null":                              `null`,
	"nulls":                             `{"amount":null,"fee":null,"items":null,"programs":null,"balances":null,"id":null,"bin":null,"date":null}`,
}

func decodeInto[T any](t *testing.T, name string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(specBodies[name]), &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestDecodeMerchant(t *testing.T) {
	m := decodeInto[Merchant](t, "merchant")
	if m.Name != "Acme" || len(m.Balances) != 1 || !m.Balances[0].Amount.Equal(dec("100")) || len(m.Programs) != 1 {
		t.Fatalf("merchant %+v", m)
	}
	p := m.Programs[0]
	if p.BIN != 411111 || !p.CardOpeningFee.Equal(dec("2.5")) || !p.CardFee.Equal(dec("5")) || p.KYCRequirements != nil ||
		len(p.TopUpTokens) != 1 || p.TopUpTokens[0].Address != "T123" || p.ReviewTime != "2025-01-01T00:00:00" ||
		!p.SpendingLimit.Equal(dec("100000")) || p.KYCType != "None" {
		t.Errorf("program %+v", p)
	}

	m = decodeInto[Merchant](t, "merchant single program, balances list")
	if m.Mobile != "15550100" || len(m.Balances) != 2 || m.Balances[0].CurrencyCode != "840" ||
		m.Balances[0].Amount.String() != "100.5" || !m.Balances[1].Amount.Equal(dec("12.29")) {
		t.Errorf("merchant %+v", m)
	}
	if len(m.Programs) != 1 {
		t.Fatalf("single program object not accepted: %+v", m.Programs)
	}
	p = m.Programs[0]
	if p.BIN != 522222 || !p.KYCRequiredWhileApplyCard || p.KYCRequirements == nil || *p.KYCRequirements != "FullName,Comms,FullAddress" ||
		p.KYCType != "2" || !p.NeedPhotoForActiveCard || p.NeedPhotoForOperateCard || !p.EnvelopeNoRequired {
		t.Errorf("program %+v", p)
	}
	// Money keeps its exact digits: "12.2900" is 12.29 exactly, never a float.
	if p.CardFee.String() != "12.29" || p.CardFee.Exponent() != -4 {
		t.Errorf("cardFee %s (exp %d)", p.CardFee, p.CardFee.Exponent())
	}
}

func TestDecodeProgramAndTolerance(t *testing.T) {
	p := decodeInto[Program](t, "program")
	if p.ProgramID != "p3" || p.BIN != 400000 || !p.KYCRequiredWhileApplyCard || !p.EnvelopeNoRequired || len(p.TopUpTokens) != 1 {
		t.Errorf("program %+v", p)
	}
	for _, bad := range []string{`{"bin":"41x"}`, `{"bin":4.5}`, `{"envelopeNoRequired":"maybe"}`, `{"programId":{"a":1}}`, `{"cardFee":"ten"}`} {
		var p Program
		if err := json.Unmarshal([]byte(bad), &p); err == nil {
			t.Errorf("%s accepted: %+v", bad, p)
		}
	}
}

func TestDecodeCardObjects(t *testing.T) {
	d := decodeInto[CardDetails](t, "card details")
	if d.CardNumber != testPAN || d.CVV != "123" || d.ExpirationDate != "12/29" || d.CardStatus != "Active" || d.Last4() != "1111" {
		t.Errorf("details %+v", d)
	}
	d = decodeInto[CardDetails](t, "card details numbers")
	if d.CardNumber != testPAN || d.CVV != "987" || d.CardStatus != "KycReview" {
		t.Errorf("details %+v", d)
	}
	pin := decodeInto[PinDetails](t, "pin details")
	if pin.PIN != "0042" || pin.CardNumber != testPAN {
		t.Errorf("pin %+v", pin)
	}
	b := decodeInto[CardBalance](t, "card balance")
	if !b.AvailableBalance.Equal(dec("100")) || !b.CurrentBalance.Equal(dec("100.5")) || b.CardType != "Virtual" {
		t.Errorf("balance %+v", b)
	}
	b = decodeInto[CardBalance](t, "card balance lowercase")
	if b.AvailableBalance.String() != "12.29" || b.CardCurrency != "USD" || b.CardType != "1" || b.CardNumber != "4111" {
		t.Errorf("lower-case balance %+v", b)
	}
	a := decodeInto[ApplyCardResponse](t, "apply card")
	if a.CardID != "d55709b7-a56f-4bcc-b08a-00131bfc8bf1" || a.Status != "Success" || a.Remarks != "CardInProgress" {
		t.Errorf("apply %+v", a)
	}
	bind := decodeInto[BindCardResponse](t, "binding")
	if bind.CardID != "c1" || bind.CardNo != testPAN {
		t.Errorf("binding %+v", bind)
	}
	task := decodeInto[Task](t, "task numeric id")
	if task.TaskID != "12345" || task.Status != "Success" {
		t.Errorf("task %+v", task)
	}
}

func TestDecodeTransactions(t *testing.T) {
	p := decodeInto[TransactionPage](t, "transactions")
	if p.Total != 2 || p.Page != 1 || p.Size != 50 || len(p.Items) != 2 {
		t.Fatalf("page %+v", p)
	}
	if !p.Items[0].Amount.Equal(dec("100")) || !p.Items[0].Fee.Equal(dec("1.5")) || p.Items[0].Date != 1764000000 {
		t.Errorf("item 0 %+v", p.Items[0])
	}
	if p.Items[1].Amount.String() != "-20.25" || p.Items[1].Date != 1764000000 {
		t.Errorf("item 1 %+v", p.Items[1])
	}
	p = decodeInto[TransactionPage](t, "transactions strings, single item")
	if p.Total != 1 || p.Size != 10 || len(p.Items) != 1 || p.Items[0].TaskID != "7" || p.Items[0].Date != 1764000000 {
		t.Errorf("page %+v", p)
	}
}

func TestDecodeReferenceLists(t *testing.T) {
	var countries OneOrMany[Country]
	if err := json.Unmarshal([]byte(specBodies["countries"]), &countries); err != nil {
		t.Fatal(err)
	}
	if len(countries) != 2 || countries[0].ID != "1" || countries[0].ISONumber != "356" || countries[1].ID != "2" || countries[1].ISONumber != "840" {
		t.Errorf("countries %+v", countries)
	}
	if err := json.Unmarshal([]byte(specBodies["countries single"]), &countries); err != nil {
		t.Fatal(err)
	}
	if len(countries) != 1 || countries[0].ID != "91" || countries[0].ISOThree != "IND" {
		t.Errorf("single country %+v", countries)
	}
	var towns OneOrMany[Town]
	if err := json.Unmarshal([]byte(specBodies["towns"]), &towns); err != nil {
		t.Fatal(err)
	}
	if len(towns) != 2 || towns[0].ID != "10" || towns[1].Code != "411001" || towns[1].CountryOrRegion != "1" {
		t.Errorf("towns %+v", towns)
	}
}

func TestDecodeTopUp(t *testing.T) {
	e := decodeInto[TopUpFeeEstimate](t, "fee estimate")
	if !e.Amount.Equal(dec("100")) || !e.Fee.Equal(dec("2.5")) || !e.ReceiveAmount.Equal(dec("97.5")) {
		t.Errorf("estimate %+v", e)
	}
	s := decodeInto[TopUpStatus](t, "top-up status")
	if !s.SettlementAmount.Equal(dec("98.5")) || s.Date != 1764000000 || s.Status != "Success" || s.Remarks != "done" {
		t.Errorf("status %+v", s)
	}
	s = decodeInto[TopUpStatus](t, "top-up status strings")
	if !s.SettlementAmount.Equal(dec("98.5")) || s.Type != "1" || s.Date != 1764000000 || s.Status != "Pending" {
		t.Errorf("status %+v", s)
	}
}

func TestDecodeNulls(t *testing.T) {
	for _, target := range responseTargets() {
		if err := json.Unmarshal([]byte(specBodies["nulls"]), target()); err != nil && !strings.Contains(err.Error(), "cannot unmarshal object into Go value of type []") {
			// A list type given an object with a null field is the only acceptable failure.
			t.Errorf("%T: %v", target(), err)
		}
	}
}

func TestFlexUnix(t *testing.T) {
	for in, want := range map[string]int64{
		`1764000000`: 1764000000, `"1764000000"`: 1764000000, `"2025-11-24T16:00:00Z"`: 1764000000,
		`"2025-11-24T16:00:00"`: 1764000000, `"2025-11-24T16:00:00.1234567"`: 1764000000,
		`"2025-11-24T17:00:00+01:00"`: 1764000000, `"2025-11-24 16:00:00"`: 1764000000,
		`"2025-11-24"`: 1763942400, `null`: 0, `""`: 0,
	} {
		var u flexUnix
		if err := json.Unmarshal([]byte(in), &u); err != nil || int64(u) != want {
			t.Errorf("%s: %d %v, want %d", in, u, err, want)
		}
	}
	var u flexUnix
	if err := json.Unmarshal([]byte(`"yesterday"`), &u); err == nil {
		t.Errorf("accepted text")
	}
}
