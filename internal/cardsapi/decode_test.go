package cardsapi

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
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

// looseCase is one JSON text given to a Loose type and what it must give: a value, or
// exactly this error.
type looseCase[T any] struct {
	in      string
	want    T
	wantErr string
}

// checkLoose decodes every case into a bare T and into a struct field of type T; both must
// give the same value or the same error.
func checkLoose[T comparable](t *testing.T, cases []looseCase[T]) {
	t.Helper()
	for _, c := range cases {
		var bare T
		errBare := json.Unmarshal([]byte(c.in), &bare)
		var field struct {
			V T `json:"v"`
		}
		errField := json.Unmarshal([]byte(`{"v":`+c.in+`}`), &field)
		for _, got := range []struct {
			how string
			v   T
			err error
		}{{"bare", bare, errBare}, {"field", field.V, errField}} {
			switch {
			case c.wantErr != "" && (got.err == nil || got.err.Error() != c.wantErr):
				t.Errorf("%T %s (%s): got %v, %v; want error %q", got.v, c.in, got.how, got.v, got.err, c.wantErr)
			case c.wantErr == "" && (got.err != nil || got.v != c.want):
				t.Errorf("%T %s (%s): got %v, %v; want %v", got.v, c.in, got.how, got.v, got.err, c.want)
			}
		}
	}
}

const (
	errObject = "expected a string or number, got an object"
	errList   = "expected a string or number, got a list"
)

func TestLooseString(t *testing.T) {
	checkLoose(t, []looseCase[LooseString]{
		{in: `"abc"`, want: "abc"},
		{in: `" padded "`, want: " padded "}, // kept as sent
		{in: `"\u00e9\n"`, want: "é\n"},
		{in: `12345`, want: "12345"},
		{in: `4111111111111111`, want: testPAN}, // exact, never through a float
		{in: `123456789012345678901234567890`, want: "123456789012345678901234567890"},
		{in: `-1.50`, want: "-1.50"}, // the JSON text, not a formatted float
		{in: `1e3`, want: "1e3"},
		{in: `true`, want: "true"},
		{in: `false`, want: "false"},
		{in: `null`, want: ""},
		{in: `""`, want: ""},
		{in: `{"a":1}`, wantErr: errObject},
		{in: `[1,2]`, wantErr: errList},
		{in: `[]`, wantErr: errList},
	})
}

func TestLooseInt(t *testing.T) {
	long := `12345678901234567890123456789012345678901234567890x`
	checkLoose(t, []looseCase[LooseInt]{
		{in: `411111`, want: 411111},
		{in: `"411111"`, want: 411111},
		{in: `" 42 "`, want: 42},
		{in: `-7`, want: -7},
		{in: `"-7"`, want: -7},
		{in: `5.0`, want: 5},
		{in: `"5.0"`, want: 5},
		{in: `1e3`, want: 1000},
		{in: `9007199254740993`, want: 9007199254740993}, // above 2^53 but an exact integer text
		{in: `"9223372036854775807"`, want: 9223372036854775807},
		{in: `null`, want: 0},
		{in: `""`, want: 0},
		{in: `"  "`, want: 0},
		{in: `4.5`, wantErr: `"4.5" is not an integer`},
		{in: `"41x"`, wantErr: `"41x" is not an integer`},
		{in: `1e300`, wantErr: `"1e300" is not an integer`},
		{in: `9007199254740992.0`, want: 9007199254740992}, // 2^53, the largest float accepted
		{in: `1e16`, wantErr: `"1e16" is not an integer`},  // a float above 2^53
		{in: `"9223372036854775808"`, wantErr: `"9223372036854775808" is not an integer`},
		{in: `true`, wantErr: `"true" is not an integer`},
		{in: `"` + long + `"`, wantErr: `"` + long[:39] + `…" is not an integer`},
		{in: `{}`, wantErr: errObject},
		{in: `[1]`, wantErr: errList},
	})
}

func TestLooseBool(t *testing.T) {
	checkLoose(t, []looseCase[LooseBool]{
		{in: `true`, want: true},
		{in: `false`, want: false},
		{in: `"true"`, want: true},
		{in: `"TRUE"`, want: true},
		{in: `"False"`, want: false},
		{in: `"yes"`, want: true},
		{in: `"No"`, want: false},
		{in: `1`, want: true},
		{in: `0`, want: false},
		{in: `"1"`, want: true},
		{in: `"0"`, want: false},
		{in: `" true "`, want: true},
		{in: `null`, want: false},
		{in: `""`, want: false},
		{in: `"maybe"`, wantErr: `"maybe" is not a boolean`},
		{in: `2`, wantErr: `"2" is not a boolean`},
		{in: `1.0`, wantErr: `"1.0" is not a boolean`},
		{in: `{"b":true}`, wantErr: errObject},
		{in: `[true]`, wantErr: errList},
	})
}

func TestLooseUnixTime(t *testing.T) {
	checkLoose(t, []looseCase[LooseUnixTime]{
		{in: `1764000000`, want: 1764000000},
		{in: `"1764000000"`, want: 1764000000},
		{in: `" 1764000000 "`, want: 1764000000},
		{in: `1764000000.0`, want: 1764000000},
		{in: `-1`, want: -1},
		{in: `"2025-11-24T16:00:00Z"`, want: 1764000000},
		{in: `"2025-11-24T16:00:00.5Z"`, want: 1764000000},
		{in: `"2025-11-24T16:00:00"`, want: 1764000000}, // no zone: UTC
		{in: `"2025-11-24T16:00:00.1234567"`, want: 1764000000},
		{in: `"2025-11-24T17:00:00+01:00"`, want: 1764000000},
		{in: `"2025-11-24 16:00:00"`, want: 1764000000},
		{in: `"2025-11-24 17:00:00+01:00"`, want: 1764000000},
		{in: `"2025-11-24"`, want: 1763942400},
		{in: `null`, want: 0},
		{in: `""`, want: 0},
		{in: `"yesterday"`, wantErr: `"yesterday" is neither Unix seconds nor a date-time`},
		{in: `1.5`, wantErr: `"1.5" is neither Unix seconds nor a date-time`},
		{in: `"2025-13-01"`, wantErr: `"2025-13-01" is neither Unix seconds nor a date-time`},
		{in: `"24/11/2025"`, wantErr: `"24/11/2025" is neither Unix seconds nor a date-time`},
		{in: `true`, wantErr: `"true" is neither Unix seconds nor a date-time`},
		{in: `{}`, wantErr: errObject},
		{in: `["2025-11-24"]`, wantErr: errList},
	})
}

// everyModel has, for every model with doubtful fields, a body with each doubtful field in the
// JSON type its Go type suggests (documented) and one with each in the other type (swapped:
// numbers as strings, strings as numbers, flags as text or 1, dates as text). Both must decode
// to want. TestEveryDoubtfulFieldSwapped checks that the bodies really use those forms and that
// no doubtful field of any model is left out.
var everyModel = []struct {
	name                string
	target              func() any
	documented, swapped string
	want                any
}{
	{
		"task", func() any { return new(Task) },
		`{"taskId":"12345","status":"Success","remarks":"ok"}`,
		`{"TaskId":12345,"Status":"Success","Remarks":"ok"}`,
		Task{TaskID: "12345", Status: "Success", Remarks: "ok"},
	},
	{
		"merchant", func() any { return new(Merchant) },
		`{"name":"Acme","mobile":"15550100","balances":[{"currency":"USD","currencyCode":"840"}],"programs":[{"programId":"7","bin":411111}]}`,
		`{"name":"Acme","mobile":15550100,"balances":{"currency":"USD","currencyCode":840},"programs":{"programId":7,"bin":"411111"}}`,
		Merchant{Name: "Acme", Mobile: "15550100",
			Balances: OneOrMany[MerchantBalance]{{Currency: "USD", CurrencyCode: "840"}},
			Programs: OneOrMany[Program]{{ProgramID: "7", BIN: 411111}}},
	},
	{
		"program", func() any { return new(Program) },
		`{"programId":"7","bin":411111,"name":"Virtual","type":"1","consumptionMethod":"2","reviewTime":"20250101","cardState":"1","kycType":"2",
			"kycRequiredWhileApplyCard":true,"needPhotoForActiveCard":true,"needPhotoForOperateCard":true,"envelopeNoRequired":true}`,
		`{"programId":7,"bin":"411111","name":"Virtual","type":1,"consumptionMethod":2,"reviewTime":20250101,"cardState":1,"kycType":2,
			"kycRequiredWhileApplyCard":"true","needPhotoForActiveCard":1,"needPhotoForOperateCard":"1","envelopeNoRequired":"Yes"}`,
		Program{ProgramID: "7", BIN: 411111, Name: "Virtual", Type: "1", ConsumptionMethod: "2", ReviewTime: "20250101", CardState: "1", KYCType: "2",
			KYCRequiredWhileApplyCard: true, NeedPhotoForActiveCard: true, NeedPhotoForOperateCard: true, EnvelopeNoRequired: true},
	},
	{
		"apply card", func() any { return new(ApplyCardResponse) },
		`{"cardId":"501","status":"Success","remarks":"CardInProgress"}`,
		`{"cardId":501,"status":"Success","remarks":"CardInProgress"}`,
		ApplyCardResponse{CardID: "501", Status: "Success", Remarks: "CardInProgress"},
	},
	{
		"binding", func() any { return new(BindCardResponse) },
		`{"cardId":"501","cardno":"4111111111111111","status":"Success"}`,
		`{"cardId":501,"cardno":4111111111111111,"status":"Success"}`,
		BindCardResponse{CardID: "501", CardNo: testPAN, Status: "Success"},
	},
	{
		"card details", func() any { return new(CardDetails) },
		`{"cardNumber":"4111111111111111","cvv":"123","expirationDate":"1229","cardStatus":"Active"}`,
		`{"cardNumber":4111111111111111,"cvv":123,"expirationDate":1229,"cardStatus":"Active"}`,
		CardDetails{CardNumber: testPAN, CVV: "123", ExpirationDate: "1229", CardStatus: "Active"},
	},
	{
		"pin details", func() any { return new(PinDetails) },
		`{"cardNumber":"4111111111111111","pin":"4321"}`,
		`{"cardNumber":4111111111111111,"pin":4321}`,
		PinDetails{CardNumber: testPAN, PIN: "4321"},
	},
	{
		"card balance", func() any { return new(CardBalance) },
		`{"cardCurrency":"USD","cardNumber":"4111","cardType":"1"}`,
		`{"cardCurrency":"USD","cardNumber":4111,"cardType":1}`,
		CardBalance{CardCurrency: "USD", CardNumber: "4111", CardType: "1"},
	},
	{
		"transactions", func() any { return new(TransactionPage) },
		`{"total":1,"page":2,"size":50,"items":[{"taskId":"7","cardId":"501","type":"3","status":"1","currency":"USD","date":1764000000}]}`,
		`{"total":"1","page":"2","size":"50","items":{"taskId":7,"cardId":501,"type":3,"status":1,"currency":"USD","date":"2025-11-24T16:00:00Z"}}`,
		TransactionPage{Total: 1, Page: 2, Size: 50, Items: OneOrMany[Transaction]{
			{TaskID: "7", CardID: "501", Type: "3", Status: "1", Currency: "USD", Date: 1764000000}}},
	},
	{
		"countries", func() any { return new(OneOrMany[Country]) },
		`[{"id":"91","name":"India","isoThree":"IND","isoNumber":"356"}]`,
		`{"id":91,"name":"India","isoThree":"IND","isoNumber":356}`,
		OneOrMany[Country]{{ID: "91", Name: "India", ISOThree: "IND", ISONumber: "356"}},
	},
	{
		"towns", func() any { return new(OneOrMany[Town]) },
		`[{"id":"11","name":"Pune","code":"411001","countryOrRegion":"91"}]`,
		`[{"id":11,"name":"Pune","code":411001,"countryOrRegion":91}]`,
		OneOrMany[Town]{{ID: "11", Name: "Pune", Code: "411001", CountryOrRegion: "91"}},
	},
	{
		"fee estimate", func() any { return new(TopUpFeeEstimate) },
		`{"cardId":"501"}`,
		`{"cardId":501}`,
		TopUpFeeEstimate{CardID: "501"},
	},
	{
		"top-up status", func() any { return new(TopUpStatus) },
		`{"taskId":"7","cardId":"501","currency":"USD","type":"1","date":1764000000,"status":"2","remarks":"done"}`,
		`{"taskId":7,"cardId":501,"currency":"USD","type":1,"date":"2025-11-24 16:00:00","status":2,"remarks":"done"}`,
		TopUpStatus{TaskID: "7", CardID: "501", Currency: "USD", Type: "1", Date: 1764000000, Status: "2", Remarks: "done"},
	},
}

func TestDecodeEveryModel(t *testing.T) {
	for _, m := range everyModel {
		for form, body := range map[string]string{"documented": m.documented, "swapped": m.swapped} {
			v := m.target()
			if err := json.Unmarshal([]byte(body), v); err != nil {
				t.Errorf("%s (%s): %v", m.name, form, err)
				continue
			}
			if got := reflect.ValueOf(v).Elem().Interface(); !reflect.DeepEqual(got, m.want) {
				t.Errorf("%s (%s):\n got %+v\nwant %+v", m.name, form, got, m.want)
			}
		}
	}
}

// looseKinds maps each Loose type to the JSON kinds (as encoding/json decodes into any) of its
// documented and its swapped form.
var looseKinds = map[reflect.Type]struct{ documented, swapped []reflect.Kind }{
	reflect.TypeFor[LooseString]():   {[]reflect.Kind{reflect.String}, []reflect.Kind{reflect.Float64, reflect.Bool}},
	reflect.TypeFor[LooseInt]():      {[]reflect.Kind{reflect.Float64}, []reflect.Kind{reflect.String}},
	reflect.TypeFor[LooseBool]():     {[]reflect.Kind{reflect.Bool}, []reflect.Kind{reflect.String, reflect.Float64}},
	reflect.TypeFor[LooseUnixTime](): {[]reflect.Kind{reflect.Float64}, []reflect.Kind{reflect.String}},
}

// markForms walks a body (decoded into any) alongside the Go type it is for, and records in
// seen "Type.Field" for every doubtful field the body sends in the given form. A field sent in
// the other form is an error: the case would not test what it claims.
func markForms(t *testing.T, typ reflect.Type, body any, swapped bool, seen map[string]bool) {
	t.Helper()
	switch typ.Kind() {
	case reflect.Pointer:
		markForms(t, typ.Elem(), body, swapped, seen)
	case reflect.Slice: // OneOrMany: a list or one object
		if list, ok := body.([]any); ok {
			for _, item := range list {
				markForms(t, typ.Elem(), item, swapped, seen)
			}
		} else if body != nil {
			markForms(t, typ.Elem(), body, swapped, seen)
		}
	case reflect.Struct:
		object, ok := body.(map[string]any)
		if !ok || typ == decimalType {
			return
		}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			var value any
			found := false
			for k, v := range object {
				if strings.EqualFold(k, name) {
					value, found = v, true
				}
			}
			if !found {
				continue
			}
			kinds, loose := looseKinds[f.Type]
			if !loose {
				markForms(t, f.Type, value, swapped, seen)
				continue
			}
			want := kinds.documented
			if swapped {
				want = kinds.swapped
			}
			if value == nil || !slices.Contains(want, reflect.TypeOf(value).Kind()) {
				t.Errorf("%s.%s is sent as %T, not in its %s form", typ.Name(), f.Name, value, map[bool]string{false: "documented", true: "swapped"}[swapped])
				continue
			}
			seen[typ.Name()+"."+f.Name] = true
		}
	}
}

// doubtfulFields lists "Type.Field" for every field of an exported struct type of this package
// (test files aside) whose type is a Loose type, read from the source so that a new model or
// field is included without anyone listing it.
func doubtfulFields(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.TypeSpec)
			if !ok || !spec.Name.IsExported() {
				return true
			}
			st, ok := spec.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, field := range st.Fields.List {
				if id, ok := field.Type.(*ast.Ident); ok && strings.HasPrefix(id.Name, "Loose") {
					for _, name := range field.Names {
						out = append(out, spec.Name.Name+"."+name.Name)
					}
				}
			}
			return true
		})
	}
	if len(out) == 0 {
		t.Fatal("no doubtful fields found: the source scan is broken")
	}
	return out
}

// TestEveryDoubtfulFieldSwapped makes sure every doubtful field of every model is decoded by
// TestDecodeEveryModel from both its documented and its swapped form.
func TestEveryDoubtfulFieldSwapped(t *testing.T) {
	documented, swapped := map[string]bool{}, map[string]bool{}
	for _, m := range everyModel {
		typ := reflect.TypeOf(m.want)
		for _, form := range []struct {
			body    string
			swapped bool
			seen    map[string]bool
		}{{m.documented, false, documented}, {m.swapped, true, swapped}} {
			var generic any
			if err := json.Unmarshal([]byte(form.body), &generic); err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
			markForms(t, typ, generic, form.swapped, form.seen)
		}
	}
	for _, field := range doubtfulFields(t) {
		if !documented[field] {
			t.Errorf("%s: no case of everyModel sends it in its documented form", field)
		}
		if !swapped[field] {
			t.Errorf("%s: no case of everyModel sends it in its swapped form", field)
		}
	}
}
