package cardsapi

import (
	"context"
	"strconv"
	"strings"
)

// ProgramOfCard returns the merchant's program whose BIN starts the card's number, or nil when
// none or several match. The API does not report a card's program; its number's BIN is the one
// clue. The card number is read (CardDetails) and used here only.
func (c *Client) ProgramOfCard(ctx context.Context, cardID string) (*Program, error) {
	details, err := c.CardDetails(ctx, cardID)
	if err != nil || details.CardNumber == "" {
		return nil, err
	}
	merchant, err := c.MerchantInformation(ctx)
	if err != nil {
		return nil, err
	}
	var match *Program
	for i, program := range merchant.Programs {
		if program.BIN > 0 && strings.HasPrefix(string(details.CardNumber), strconv.FormatInt(int64(program.BIN), 10)) {
			if match != nil {
				return nil, nil // ambiguous
			}
			match = &merchant.Programs[i]
		}
	}
	return match, nil
}
