package cardsapi

import (
	"bytes"
	"encoding/json"

	"github.com/shopspring/decimal"
)

// Money fields use decimal.Decimal: it decodes JSON numbers and strings ("100", 100.5,
// "12.2900") exactly and encodes as a quoted decimal string. No float64 carries money.

// Task is the answer to an accepted or refused asynchronous operation. Status "Success"
// means accepted, not done.
type Task struct {
	TaskID  LooseString `json:"taskId"`
	Status  string      `json:"status"`
	Remarks string      `json:"remarks"`
}

// Merchant is the merchant information of API.md §5.1.
type Merchant struct {
	Name     string                     `json:"name"`
	Email    string                     `json:"email"`
	Mobile   LooseString                `json:"mobile"`
	Balances OneOrMany[MerchantBalance] `json:"balances"`
	Programs OneOrMany[Program]         `json:"programs"`
}

// MerchantBalance is one of the merchant's balances.
type MerchantBalance struct {
	Currency     string          `json:"currency"`
	CurrencyCode LooseString     `json:"currencyCode"`
	Network      string          `json:"network"`
	Amount       decimal.Decimal `json:"amount"`
}

// Program is a card program (API.md §5.2).
type Program struct {
	ProgramID         LooseString `json:"programId"`
	BIN               LooseInt    `json:"bin"`
	Name              string      `json:"name"`
	Currency          string      `json:"currency"`
	Type              LooseString `json:"type"`
	ConsumptionMethod LooseString `json:"consumptionMethod"`
	ISOCountryName    string      `json:"isoCountryName"`

	CardFee              decimal.Decimal `json:"cardFee"`
	CardOpeningFee       decimal.Decimal `json:"cardOpeningFee"`
	FirstRechargeAmount  decimal.Decimal `json:"firstRechargeAmount"`
	CancellationFeeMin   decimal.Decimal `json:"cancellationFeeMin"`
	CancellationFeeMax   decimal.Decimal `json:"cancellationFeeMax"`
	FreightFee           decimal.Decimal `json:"freightFee"`
	RechargeFeeMin       decimal.Decimal `json:"rechargeFeeMin"`
	RechargeFeeMax       decimal.Decimal `json:"rechargeFeeMax"`
	TransactionFee       decimal.Decimal `json:"transactionFee"`
	ATMWithdrawalFee     decimal.Decimal `json:"atmWithdrawalFee"`
	MaintenanceFee       decimal.Decimal `json:"maintenanceFee"`
	ATMBalanceInquiryFee decimal.Decimal `json:"atmBalanceInquiryFee"`

	MonthlyRechargeLimit    decimal.Decimal `json:"monthlyRechargeLimit"`
	DailyRechargeLimit      decimal.Decimal `json:"dailyRechargeLimit"`
	SingleRechargeLimit     decimal.Decimal `json:"singleRechargeLimit"`
	PerPaymentLimit         decimal.Decimal `json:"perPaymentLimit"`
	ATMDailyWithdrawalLimit decimal.Decimal `json:"atmDailyWithdrawalLimit"`
	SpendingLimit           decimal.Decimal `json:"spendingLimit"`

	ReviewTime              LooseString           `json:"reviewTime"`
	CardState               LooseString           `json:"cardState"`
	Note                    string                `json:"note"`
	Remarks                 string                `json:"remarks"`
	SupportedOperationTypes string                `json:"supportedOperationTypes"`
	SupportedPlatforms      string                `json:"supportedPlatforms"`
	CardImage               string                `json:"cardImage"`
	TopUpTokens             OneOrMany[TopUpToken] `json:"topUpTokens"`

	KYCRequiredWhileApplyCard LooseBool   `json:"kycRequiredWhileApplyCard"`
	KYCRequirements           *string     `json:"kycRequirements"` // comma-separated §5.3 keys; nil = none
	KYCType                   LooseString `json:"kycType"`
	NeedPhotoForActiveCard    LooseBool   `json:"needPhotoForActiveCard"`
	NeedPhotoForOperateCard   LooseBool   `json:"needPhotoForOperateCard"`
	EnvelopeNoRequired        LooseBool   `json:"envelopeNoRequired"`
}

// TopUpToken is a deposit address of a program.
type TopUpToken struct {
	Token   string `json:"token"`
	Network string `json:"network"`
	Address string `json:"address"`
}

// KYC is the personal data of API.md §5.3. It is sent, never stored. Field names on the wire
// are all lowercase; empty fields are left out.
type KYC struct {
	FirstName        string `json:"firstname,omitempty"`
	LastName         string `json:"lastname,omitempty"`
	Gender           int    `json:"gender,omitempty"` // 1 male, 2 female
	DOB              string `json:"dob,omitempty"`    // yyyy-MM-dd
	NationalityID    string `json:"nationalityid,omitempty"`
	Email            string `json:"email,omitempty"`
	MobileCode       string `json:"mobilecode,omitempty"`
	Mobile           string `json:"mobile,omitempty"`
	Address          string `json:"address,omitempty"`
	Town             string `json:"town,omitempty"`
	City             string `json:"city,omitempty"`
	State            string `json:"state,omitempty"`
	ZipCode          string `json:"zipcode,omitempty"`
	CountryID        string `json:"countryid,omitempty"`
	CountryISOThree  string `json:"countryisothree,omitempty"`
	EmergencyContact string `json:"emergencycontact,omitempty"`
	DocType          int    `json:"doctype,omitempty"`
	DocID            string `json:"docid,omitempty"`
	FrontDoc         string `json:"frontdoc,omitempty"`
	BackDoc          string `json:"backdoc,omitempty"`
	DocExpireDate    string `json:"docexpiredate,omitempty"`
	DocNeverExpire   *int   `json:"docneveexpire,omitempty"` // 0/1; spelled this way on the wire
	HandHoldIDPhoto  string `json:"handholdidphoto,omitempty"`
	Biometric        string `json:"biomatric,omitempty"` // spelled this way on the wire
	Photo            string `json:"photo,omitempty"`
	SignImage        string `json:"signimage,omitempty"`
}

// ApplyCardRequest applies for a card from a program.
type ApplyCardRequest struct {
	ProgramID string `json:"programId"`
	KYC       *KYC   `json:"kyc,omitempty"`
}

// ApplyCardResponse is the answer to ApplyCard.
type ApplyCardResponse struct {
	CardID  LooseString `json:"cardId"`
	Status  string      `json:"status"`
	Remarks string      `json:"remarks"`
}

// BindCardRequest binds a physical card to an applied card.
type BindCardRequest struct {
	CardID          string `json:"cardId"`
	CardNumber      string `json:"cardNumber"`
	EnvelopeNo      string `json:"envelopeNo,omitempty"`
	HandHoldIDPhoto string `json:"handholdidphoto,omitempty"`
	KYC             *KYC   `json:"kyc,omitempty"`
}

// BindCardResponse is the answer to Binding. CardNo may be masked or full: treat as secret.
type BindCardResponse struct {
	CardID  LooseString `json:"cardId"`
	CardNo  LooseString `json:"cardno"`
	Status  string      `json:"status"`
	Remarks string      `json:"remarks"`
}

// CardDetails carries the full card number and CVV: secret, never logged or stored.
type CardDetails struct {
	CardNumber     LooseString `json:"cardNumber"`
	CVV            LooseString `json:"cvv"`
	ExpirationDate LooseString `json:"expirationDate"`
	CardStatus     string      `json:"cardStatus"`
}

// Last4 returns the last four digits of the card number, or "" when it is shorter.
func (d CardDetails) Last4() string { return lastFour(string(d.CardNumber)) }

// PinDetails carries the card's PIN: secret.
type PinDetails struct {
	CardNumber LooseString `json:"cardNumber"`
	PIN        LooseString `json:"pin"`
}

// CardBalance is a card's balance.
type CardBalance struct {
	AvailableBalance decimal.Decimal `json:"availableBalance"`
	CardCurrency     string          `json:"cardCurrency"`
	CardNumber       LooseString     `json:"cardNumber"` // may be full: secret
	CardType         LooseString     `json:"cardType"`
	CurrentBalance   decimal.Decimal `json:"currentBalance"`
}

// TransactionsRequest asks for one page of transactions; CardID empty means all cards.
type TransactionsRequest struct {
	CardID    string `json:"cardId,omitempty"`
	Page      int    `json:"page"` // 1-based
	Size      int    `json:"size"`
	StartTime int64  `json:"startTime,omitempty"` // Unix seconds
	EndTime   int64  `json:"endTime,omitempty"`
}

// TransactionPage is one page of transactions (API.md §5.4).
type TransactionPage struct {
	Total LooseInt               `json:"total"`
	Page  LooseInt               `json:"page"`
	Size  LooseInt               `json:"size"`
	Items OneOrMany[Transaction] `json:"items"`
}

// Transaction is one money movement on a card.
type Transaction struct {
	TaskID   LooseString     `json:"taskId"`
	CardID   LooseString     `json:"cardId"`
	Type     LooseString     `json:"type"` // consume, fee, refund, recharge
	Status   LooseString     `json:"status"`
	Amount   decimal.Decimal `json:"amount"`
	Fee      decimal.Decimal `json:"fee"`
	Currency string          `json:"currency"`
	Remarks  string          `json:"remarks"`
	Date     LooseUnixTime   `json:"date"` // Unix seconds
}

// Country is an entry of /Countries.
type Country struct {
	ID          LooseString `json:"id"`
	Name        string      `json:"name"`
	Nationality string      `json:"nationality"`
	ISOTwo      string      `json:"isoTwo"`
	ISOThree    string      `json:"isoThree"`
	ISONumber   LooseString `json:"isoNumber"`
}

// Town is an entry of /Towns.
type Town struct {
	ID              LooseString `json:"id"`
	Name            string      `json:"name"`
	Code            LooseString `json:"code"`
	CountryOrRegion LooseString `json:"countryOrRegion"`
}

// TopUpFeeEstimate is the answer to EstimateCardTopUpFee.
type TopUpFeeEstimate struct {
	CardID        LooseString     `json:"cardId"`
	Amount        decimal.Decimal `json:"amount"`
	Fee           decimal.Decimal `json:"fee"`
	ReceiveAmount decimal.Decimal `json:"receiveAmount"`
}

// TopUpStatus is the state of a top-up task.
type TopUpStatus struct {
	TaskID           LooseString     `json:"taskId"`
	CardID           LooseString     `json:"cardId"`
	Currency         string          `json:"currency"`
	Amount           decimal.Decimal `json:"amount"`
	SettlementAmount decimal.Decimal `json:"settlemetAmount"` // misspelled on the wire
	Fee              decimal.Decimal `json:"fee"`
	Type             LooseString     `json:"type"`
	Date             LooseUnixTime   `json:"date"` // Unix seconds
	Status           LooseString     `json:"status"`
	Remarks          string          `json:"remarks"`
}

// OneOrMany decodes either a single JSON object or a list of them into a list; null is empty.
type OneOrMany[T any] []T

// UnmarshalJSON accepts an object, a list, or null.
func (m *OneOrMany[T]) UnmarshalJSON(data []byte) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		*m = nil
		return nil
	}
	if trimmed[0] == '[' {
		var list []T
		if err := json.Unmarshal(trimmed, &list); err != nil {
			return err
		}
		*m = list
		return nil
	}
	var one T
	if err := json.Unmarshal(trimmed, &one); err != nil {
		return err
	}
	*m = OneOrMany[T]{one}
	return nil
}

func lastFour(number string) string {
	if len(number) < 4 {
		return ""
	}
	return number[len(number)-4:]
}

// Card statuses the sandbox uses (API.md §6, not published by the vendor). Compare with
// strings.EqualFold; any other value means "not yet settled".
const (
	CardStatusPending         = "Pending"
	CardStatusKYCReview       = "KycReview"
	CardStatusKYCRejected     = "KycRejected"
	CardStatusAwaitingBinding = "AwaitingBinding"
	CardStatusActive          = "Active"
	CardStatusFrozen          = "Frozen"
	CardStatusCancelled       = "Cancelled"
)

// Task and top-up statuses.
const (
	StatusSuccess = "Success"
	StatusFailed  = "Failed"
)
