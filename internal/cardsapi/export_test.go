package cardsapi

import "time"

// SetRetryWaits shrinks a client's retry backoff (first wait, cap, and cap of a server's
// Retry-After) so the external tests against the sandbox run fast. Test builds only.
func SetRetryWaits(c *Client, waitMin, waitMax, retryAfterMax time.Duration) {
	c.retryWaitMin, c.retryWaitMax, c.retryAfterMax = waitMin, waitMax, retryAfterMax
}

// ForgetFailedReads drops the remembered failures of a client's program reads, as if
// programFailureMemory had passed.
func ForgetFailedReads(c *Client) {
	c.programs.mu.Lock()
	defer c.programs.mu.Unlock()
	for key, e := range c.programs.entries {
		if e.err != nil {
			delete(c.programs.entries, key)
		}
	}
}
