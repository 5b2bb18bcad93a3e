package cardsapi

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// TransactionTypeRecharge is the transaction type of a top-up (API.md §5.4).
const TransactionTypeRecharge = "recharge"

// clockSkewAllowance widens a search back in time: the platform dates transactions by its
// own clock, which may run behind ours.
const clockSkewAllowance = 5 * time.Minute

// FindTopUps returns the recharge transactions of amount on a card dated since `since` (less
// a clock-skew allowance), newest first: the platform's own record of which top-ups happened.
// A top-up appears there once it has settled (succeeded or failed); one still in progress
// does not. Used to reconcile a CardTopUp whose answer was lost.
func (c *Client) FindTopUps(ctx context.Context, cardID string, amount decimal.Decimal, since time.Time) ([]Transaction, error) {
	const pageSize = 50
	start := since.Add(-clockSkewAllowance).Unix()
	var found []Transaction
	for page := 1; ; page++ {
		p, err := c.CardTransactions(ctx, TransactionsRequest{CardID: cardID, Page: page, Size: pageSize, StartTime: start})
		if err != nil {
			return nil, err
		}
		for _, t := range p.Items {
			if strings.EqualFold(string(t.Type), TransactionTypeRecharge) && t.Amount.Equal(amount) &&
				(t.CardID == "" || strings.EqualFold(string(t.CardID), cardID)) && (t.Date == 0 || int64(t.Date) >= start) {
				found = append(found, t)
			}
		}
		if len(p.Items) < pageSize || page*pageSize >= int(p.Total) {
			return found, nil
		}
	}
}

// ErrAmbiguousTopUp says more than one top-up on record could be the one looked for.
var ErrAmbiguousTopUp = errors.New("more than one recharge of that amount on the card since the attempt")

// AwaitTopUpRecord looks, until `until`, for the platform's record of a top-up of amount onto
// a card sent at `since` whose answer was lost: polling the card's transactions (a top-up
// appears there once it settled). taken reports task ids that other resources already own.
// It returns the transaction when exactly one candidate appears, nil when none appeared by
// `until` (the top-up did not happen), ErrAmbiguousTopUp, or the context's error.
func (c *Client) AwaitTopUpRecord(ctx context.Context, cardID string, amount decimal.Decimal, since, until time.Time,
	taken func(taskID string) bool) (*Transaction, error) {
	interval := c.pollInitial
	for {
		found, err := c.FindTopUps(ctx, cardID, amount, since)
		if err != nil && !isTransient(err) {
			return nil, err
		}
		candidates := Unowned(found, taken)
		switch {
		case len(candidates) == 1:
			return &candidates[0], nil
		case len(candidates) > 1:
			return nil, ErrAmbiguousTopUp
		case err == nil && !c.clock.Now().Before(until):
			return nil, nil
		}
		c.log.Info(ctx, "looking for a top-up whose answer was lost", map[string]any{
			"card_id": cardID, "amount": amount.StringFixed(2), "until": until.UTC().Format(time.RFC3339)})
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.clock.After(min(interval, max(until.Sub(c.clock.Now()), time.Millisecond))):
		}
		interval = min(interval*2, c.pollMax)
	}
}

// Unowned keeps the recharges that have a task id no resource owns (taken).
func Unowned(recharges []Transaction, taken func(taskID string) bool) []Transaction {
	var out []Transaction
	for _, t := range recharges {
		if t.TaskID != "" && !taken(string(t.TaskID)) {
			out = append(out, t)
		}
	}
	return out
}
