package cardsapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
)

// RotatePin asks the platform for a new PIN (CardSetPin) and waits until PinDetails shows a
// PIN other than the one before, bounded by ctx. SetPin answers before the work is done and
// the card's status does not change, so the PIN itself is the only sign of completion. The
// PINs are compared as digests in memory and never leave this function.
func (c *Client) RotatePin(ctx context.Context, cardID, signImage string) error {
	before, err := c.PinDetails(ctx, cardID)
	if err != nil {
		return err
	}
	old := sha256.Sum256([]byte(before.PIN))
	if _, err := c.SetPin(ctx, cardID, signImage); err != nil {
		return err
	}
	return c.poll(ctx, "PIN of card", cardID, []string{"a new PIN"}, []string{"unchanged", "changed"},
		func(ctx context.Context) (string, bool, error) {
			now, err := c.PinDetails(ctx, cardID)
			if err != nil {
				return "", false, err
			}
			current := sha256.Sum256([]byte(now.PIN))
			if subtle.ConstantTimeCompare(old[:], current[:]) == 1 {
				return "unchanged", false, nil
			}
			return "changed", true, nil
		})
}
