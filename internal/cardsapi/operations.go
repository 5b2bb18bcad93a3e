package cardsapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/shopspring/decimal"
)

// retryClass says when an operation may be sent again after a failure.
type retryClass int

const (
	// retryIdempotent operations (reads, and state changes that converge: freeze, unfreeze,
	// cancel, set PIN) are retried on network errors, 429 and 5xx.
	retryIdempotent retryClass = iota
	// retryOnlyIfUnprocessed operations create cards or move money and carry no idempotency
	// key: they are retried only when the request provably never reached processing
	// (connection refused, 429, 503), never after an ambiguous failure.
	retryOnlyIfUnprocessed
)

// operation names one Cards API call; Name appears in every error and log line.
type operation struct {
	Name   string
	Method string
	Path   string
	Retry  retryClass
}

var (
	opMerchantInformation = operation{"MerchantInformation", http.MethodGet, "/MerchantInformation/Merchant", retryIdempotent}
	opProgramDetails      = operation{"ProgramDetails", http.MethodGet, "/MerchantInformation/programdetails/", retryIdempotent}
	opApplyCard           = operation{"ApplyCard", http.MethodPost, "/ApplyCard", retryOnlyIfUnprocessed}
	opBinding             = operation{"Binding", http.MethodPost, "/Binding", retryOnlyIfUnprocessed}
	opCardDetails         = operation{"CardDetails", http.MethodGet, "/CardDetails/", retryIdempotent}
	opPinDetails          = operation{"PinDetails", http.MethodGet, "/PinDetails/", retryIdempotent}
	opCardBalance         = operation{"CardBalance", http.MethodGet, "/CardBalance/", retryIdempotent}
	opCardTransactions    = operation{"CardTransactions", http.MethodPost, "/Card/Transactions", retryIdempotent}
	opTransactions        = operation{"Transactions", http.MethodPost, "/Cards/Transactions", retryIdempotent}
	opCountries           = operation{"Countries", http.MethodGet, "/Countries", retryIdempotent}
	opTowns               = operation{"Towns", http.MethodGet, "/Towns", retryIdempotent}
	opEstimateTopUpFee    = operation{"EstimateCardTopUpFee", http.MethodPost, "/EstimateCardTopUpFee", retryIdempotent}
	opCardTopUp           = operation{"CardTopUp", http.MethodPost, "/CardTopUp", retryOnlyIfUnprocessed}
	opTopUpStatus         = operation{"TopUpStatus", http.MethodGet, "/TopUpStatus/", retryIdempotent}
	opCardFreeze          = operation{"CardFreeze", http.MethodPost, "/CardFreeze", retryIdempotent}
	opCardUnfreeze        = operation{"CardUnFreeze", http.MethodPost, "/CardUnFreeze", retryIdempotent}
	opCancelCard          = operation{"CancelCard", http.MethodPost, "/CancelCard", retryIdempotent}
	opCardSetPin          = operation{"CardSetPin", http.MethodPost, "/CardSetPin", retryIdempotent}
)

// withID appends an escaped path parameter to an operation whose path ends in '/'.
func (op operation) withID(id string) operation {
	op.Path += url.PathEscape(id)
	return op
}

// MerchantInformation returns the merchant, its balances and programs.
func (c *Client) MerchantInformation(ctx context.Context) (*Merchant, error) {
	var out Merchant
	return &out, c.call(ctx, opMerchantInformation, nil, &out)
}

// ProgramDetails returns one program, read once per Client (programs are configuration on
// the merchant platform, not state that changes during a run). The result is shared: do not
// modify it.
func (c *Client) ProgramDetails(ctx context.Context, programID string) (*Program, error) {
	return c.programs.get(ctx, programID, c.clock.Now, func(ctx context.Context) (*Program, error) {
		var out Program
		if err := c.call(ctx, opProgramDetails.withID(programID), nil, &out); err != nil {
			return nil, err
		}
		return &out, nil
	})
}

// ApplyCard applies for a card. An error of kind KindOutcomeUnknown means the card may exist.
func (c *Client) ApplyCard(ctx context.Context, req ApplyCardRequest) (*ApplyCardResponse, error) {
	var out ApplyCardResponse
	return &out, c.ask(ctx, opApplyCard, req, &out, func() string { return string(out.CardID) })
}

// BindCard binds a physical card to an applied card.
func (c *Client) BindCard(ctx context.Context, req BindCardRequest) (*BindCardResponse, error) {
	var out BindCardResponse
	return &out, c.ask(ctx, opBinding, req, &out, func() string { return req.CardID })
}

// CardDetails returns the card's full number, CVV, expiry and status. The result is secret.
func (c *Client) CardDetails(ctx context.Context, cardID string) (*CardDetails, error) {
	var out CardDetails
	err := c.call(ctx, opCardDetails.withID(cardID), nil, &out)
	out.CardStatus = c.statusNames.cardStatus(out.CardStatus)
	return &out, err
}

// PinDetails returns the card's PIN. The result is secret.
func (c *Client) PinDetails(ctx context.Context, cardID string) (*PinDetails, error) {
	var out PinDetails
	return &out, c.call(ctx, opPinDetails.withID(cardID), nil, &out)
}

// CardBalance returns the card's balance.
func (c *Client) CardBalance(ctx context.Context, cardID string) (*CardBalance, error) {
	var out CardBalance
	return &out, c.call(ctx, opCardBalance.withID(cardID), nil, &out)
}

// CardTransactions returns one page of one card's transactions (req.CardID required).
func (c *Client) CardTransactions(ctx context.Context, req TransactionsRequest) (*TransactionPage, error) {
	var out TransactionPage
	err := c.call(ctx, opCardTransactions, req, &out)
	c.translateTransactions(&out)
	return &out, err
}

// translateTransactions gives transactions the client's status names (a recharge's status is
// its top-up's).
func (c *Client) translateTransactions(p *TransactionPage) {
	for i := range p.Items {
		p.Items[i].Status = LooseString(c.statusNames.topUpStatus(string(p.Items[i].Status)))
	}
}

// Transactions returns one page of all cards' transactions (req.CardID ignored).
func (c *Client) Transactions(ctx context.Context, req TransactionsRequest) (*TransactionPage, error) {
	req.CardID = ""
	var out TransactionPage
	err := c.call(ctx, opTransactions, req, &out)
	c.translateTransactions(&out)
	return &out, err
}

// Countries lists the countries whose ids KYC fields refer to.
func (c *Client) Countries(ctx context.Context) ([]Country, error) {
	var out OneOrMany[Country]
	return out, c.call(ctx, opCountries, nil, &out)
}

// Towns lists towns, optionally of one country.
func (c *Client) Towns(ctx context.Context, countryID string) ([]Town, error) {
	op := opTowns
	if countryID != "" {
		op.Path += "?countryId=" + url.QueryEscape(countryID)
	}
	var out OneOrMany[Town]
	return out, c.call(ctx, op, nil, &out)
}

// EstimateTopUpFee asks what a top-up of amount would cost.
func (c *Client) EstimateTopUpFee(ctx context.Context, cardID string, amount decimal.Decimal) (*TopUpFeeEstimate, error) {
	var out TopUpFeeEstimate
	return &out, c.call(ctx, opEstimateTopUpFee, amountRequest{CardID: cardID, Amount: amount.StringFixed(2)}, &out)
}

// TopUp loads amount onto a card. An error of kind KindOutcomeUnknown means the top-up may
// have gone through.
func (c *Client) TopUp(ctx context.Context, cardID string, amount decimal.Decimal) (*Task, error) {
	var out Task
	return &out, c.ask(ctx, opCardTopUp, amountRequest{CardID: cardID, Amount: amount.StringFixed(2)}, &out,
		func() string { return string(out.TaskID) })
}

// TopUpStatus returns the state of a top-up task.
func (c *Client) TopUpStatus(ctx context.Context, taskID string) (*TopUpStatus, error) {
	var out TopUpStatus
	err := c.call(ctx, opTopUpStatus.withID(taskID), nil, &out)
	out.Status = LooseString(c.statusNames.topUpStatus(string(out.Status)))
	return &out, err
}

// FreezeCard freezes a card; signImage is required by programs that need a signature image.
func (c *Client) FreezeCard(ctx context.Context, cardID, signImage string) (*Task, error) {
	var out Task
	return &out, c.ask(ctx, opCardFreeze, cardOperationRequest{CardID: cardID, SignImage: signImage}, &out, func() string { return cardID })
}

// UnfreezeCard unfreezes a card.
func (c *Client) UnfreezeCard(ctx context.Context, cardID, signImage string) (*Task, error) {
	var out Task
	return &out, c.ask(ctx, opCardUnfreeze, cardOperationRequest{CardID: cardID, SignImage: signImage}, &out, func() string { return cardID })
}

// CancelCard cancels a card for good.
func (c *Client) CancelCard(ctx context.Context, cardID string) (*Task, error) {
	var out Task
	return &out, c.ask(ctx, opCancelCard, cardOperationRequest{CardID: cardID}, &out, func() string { return cardID })
}

// SetPin asks the platform to set a new PIN, which PinDetails then reveals.
func (c *Client) SetPin(ctx context.Context, cardID, signImage string) (*Task, error) {
	var out Task
	return &out, c.ask(ctx, opCardSetPin, cardOperationRequest{CardID: cardID, SignImage: signImage}, &out, func() string { return cardID })
}

type amountRequest struct {
	CardID string `json:"cardId"`
	Amount string `json:"amount"`
}

type cardOperationRequest struct {
	CardID    string `json:"cardId"`
	SignImage string `json:"signimage,omitempty"`
}
