package sandbox

import (
	"github.com/shopspring/decimal"
)

// The sandbox's own wire structs: it shares nothing with the client so that a bug on one side
// cannot hide the same bug on the other.

// money is an amount on the wire as a quoted decimal with two places ("100.00"): exact, and
// the form internal/cardsapi/API.md §1 says amounts may take.
type money decimal.Decimal

func (m money) MarshalJSON() ([]byte, error) {
	return []byte(`"` + decimal.Decimal(m).StringFixed(2) + `"`), nil
}

// number is money as a bare JSON number with two places (1.50), the way an ASP.NET decimal
// is serialised; programs use it so clients meet both forms.
type number decimal.Decimal

func (n number) MarshalJSON() ([]byte, error) {
	return []byte(decimal.Decimal(n).StringFixed(2)), nil
}

// failure is the body of every refusal and error: 200 "Failed" refusals and non-2xx answers.
type failure struct {
	Status  string `json:"status"`
	Remarks string `json:"remarks"`
}

// taskJSON answers an accepted asynchronous operation.
type taskJSON struct {
	TaskID  string `json:"taskId"`
	Status  string `json:"status"`
	Remarks string `json:"remarks"`
}

type applyCardJSON struct {
	CardID  string `json:"cardId"`
	TaskID  string `json:"taskId"` // the card id: Binding accepts it as an alias of cardId
	Status  string `json:"status"`
	Remarks string `json:"remarks"`
}

type bindingJSON struct {
	CardID  string `json:"cardId"`
	CardNo  string `json:"cardno"` // masked
	Status  string `json:"status"`
	Remarks string `json:"remarks"`
}

type merchantJSON struct {
	Name     string        `json:"name"`
	Email    string        `json:"email"`
	Mobile   string        `json:"mobile"`
	Balances []balanceJSON `json:"balances"`
	Programs []programJSON `json:"programs"`
}

type balanceJSON struct {
	Currency     string `json:"currency"`
	CurrencyCode string `json:"currencyCode"`
	Network      string `json:"network"`
	Amount       money  `json:"amount"`
}

type topUpTokenJSON struct {
	Token   string `json:"token"`
	Network string `json:"network"`
	Address string `json:"address"`
}

// programJSON is internal/cardsapi/API.md §5.2, every field filled.
type programJSON struct {
	ProgramID         string `json:"programId"`
	BIN               int    `json:"bin"`
	Name              string `json:"name"`
	Currency          string `json:"currency"`
	Type              string `json:"type"`
	ConsumptionMethod string `json:"consumptionMethod"`
	ISOCountryName    string `json:"isoCountryName"`

	CardFee              number `json:"cardFee"`
	CardOpeningFee       number `json:"cardOpeningFee"`
	FirstRechargeAmount  number `json:"firstRechargeAmount"`
	CancellationFeeMin   number `json:"cancellationFeeMin"`
	CancellationFeeMax   number `json:"cancellationFeeMax"`
	FreightFee           number `json:"freightFee"`
	RechargeFeeMin       number `json:"rechargeFeeMin"`
	RechargeFeeMax       number `json:"rechargeFeeMax"`
	TransactionFee       number `json:"transactionFee"`
	ATMWithdrawalFee     number `json:"atmWithdrawalFee"`
	MaintenanceFee       number `json:"maintenanceFee"`
	ATMBalanceInquiryFee number `json:"atmBalanceInquiryFee"`

	MonthlyRechargeLimit    number `json:"monthlyRechargeLimit"`
	DailyRechargeLimit      number `json:"dailyRechargeLimit"`
	SingleRechargeLimit     number `json:"singleRechargeLimit"`
	PerPaymentLimit         number `json:"perPaymentLimit"`
	ATMDailyWithdrawalLimit number `json:"atmDailyWithdrawalLimit"`
	SpendingLimit           number `json:"spendingLimit"`

	ReviewTime              string           `json:"reviewTime"`
	CardState               string           `json:"cardState"`
	Note                    string           `json:"note"`
	Remarks                 string           `json:"remarks"`
	SupportedOperationTypes string           `json:"supportedOperationTypes"`
	SupportedPlatforms      string           `json:"supportedPlatforms"`
	CardImage               string           `json:"cardImage"`
	TopUpTokens             []topUpTokenJSON `json:"topUpTokens"`

	KYCRequiredWhileApplyCard bool    `json:"kycRequiredWhileApplyCard"`
	KYCRequirements           *string `json:"kycRequirements"` // null when none
	KYCType                   string  `json:"kycType"`
	NeedPhotoForActiveCard    bool    `json:"needPhotoForActiveCard"`
	NeedPhotoForOperateCard   bool    `json:"needPhotoForOperateCard"`
	EnvelopeNoRequired        bool    `json:"envelopeNoRequired"`
}

// cardDetailsJSON carries the full PAN and CVV (secret on the real platform).
type cardDetailsJSON struct {
	CardNumber     string `json:"cardNumber"`
	CVV            string `json:"cvv"`
	ExpirationDate string `json:"expirationDate"`
	CardStatus     string `json:"cardStatus"`
}

type pinDetailsJSON struct {
	CardNumber string `json:"cardNumber"`
	PIN        string `json:"pin"`
}

type cardBalanceJSON struct {
	AvailableBalance money  `json:"availableBalance"`
	CardCurrency     string `json:"cardCurrency"`
	CardNumber       string `json:"cardNumber"` // masked
	CardType         string `json:"cardType"`
	CurrentBalance   money  `json:"currentBalance"`
}

type estimateJSON struct {
	CardID        string `json:"cardId"`
	Amount        money  `json:"amount"`
	Fee           money  `json:"fee"`
	ReceiveAmount money  `json:"receiveAmount"`
}

type topUpStatusJSON struct {
	TaskID           string `json:"taskId"`
	CardID           string `json:"cardId"`
	Currency         string `json:"currency"`
	Amount           money  `json:"amount"`
	SettlementAmount money  `json:"settlemetAmount"` // sic, as documented
	Fee              money  `json:"fee"`
	Type             string `json:"type"`
	Date             int64  `json:"date"` // Unix seconds
	Status           string `json:"status"`
	Remarks          string `json:"remarks"`
}

type transactionPageJSON struct {
	Total int               `json:"total"`
	Page  int               `json:"page"`
	Size  int               `json:"size"`
	Items []transactionJSON `json:"items"`
}

type transactionJSON struct {
	TaskID   string `json:"taskId"`
	CardID   string `json:"cardId"`
	Type     string `json:"type"`
	Status   string `json:"status"`
	Amount   money  `json:"amount"`
	Fee      money  `json:"fee"`
	Currency string `json:"currency"`
	Remarks  string `json:"remarks"`
	Date     int64  `json:"date"` // Unix seconds
}

// webhookJSON is a internal/cardsapi/API.md §7 notification; field names are as documented (mixed case).
type webhookJSON struct {
	CardID     string `json:"CardId"`
	TaskID     string `json:"TaskId"`
	NotifyType string `json:"NotifyType"`
	Status     string `json:"Status"`
	Remarks    string `json:"Remarks"`
	Amount     string `json:"amount,omitempty"`
	Currency   string `json:"currency,omitempty"`
}
