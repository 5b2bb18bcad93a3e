package cardsapi

import (
	"context"
	"fmt"
)

// CheckReachable confirms that the base URL answers as the Cards API does (MerchantInformation
// succeeds). Any 404 reads as "not found", so a wrong base_url would make every card look
// gone: callers confirm with this before they forget an object. Success is remembered.
func (c *Client) CheckReachable(ctx context.Context) error {
	if c.reachable.Load() {
		return nil
	}
	if _, err := c.MerchantInformation(ctx); err != nil {
		if c.baseURLUnreached(err) { // the error names the base URL and what to check already
			return fmt.Errorf("the Cards API does not answer MerchantInformation (%w)", err)
		}
		return fmt.Errorf("the Cards API at %s does not answer MerchantInformation (%w); check base_url", RedactURL(c.baseURL), err)
	}
	c.reachable.Store(true)
	return nil
}
