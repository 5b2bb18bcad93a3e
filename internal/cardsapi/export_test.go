package cardsapi

import "time"

// SetRetryWaits shrinks a client's retry backoff (first wait, cap, and cap of a server's
// Retry-After) so the external tests against the sandbox run fast. Test builds only.
func SetRetryWaits(c *Client, waitMin, waitMax, retryAfterMax time.Duration) {
	c.retryWaitMin, c.retryWaitMax, c.retryAfterMax = waitMin, waitMax, retryAfterMax
}
