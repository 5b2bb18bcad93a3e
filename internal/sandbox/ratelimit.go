package sandbox

import (
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateLimiter is the platform's own limit on requests over the whole API (Options.RateLimit):
// a token bucket, so a client that paces itself is never refused and a burst is.
type rateLimiter struct {
	mu        sync.Mutex
	perSecond float64
	lim       *rate.Limiter // nil: unlimited
}

func validateRateLimit(perSecond float64) error {
	if perSecond < 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 1) {
		return fmt.Errorf("rate limit %v must be a number of requests per second, 0 or more (0 = unlimited)", perSecond)
	}
	return nil
}

// NewRateBucket is a rate limit of perSecond requests a second as the sandbox enforces it: a
// full bucket of max(1, ⌈perSecond⌉) tokens, refilled at perSecond (nil for 0: no limit). The
// benchmark's oracle paces itself to a bucket built by it (internal/bench/oracle_bucket.go).
func NewRateBucket(perSecond float64) *rate.Limiter {
	if perSecond <= 0 {
		return nil
	}
	burst := int(math.Min(math.Ceil(perSecond), math.MaxInt32))
	return rate.NewLimiter(rate.Limit(perSecond), max(1, burst))
}

// set installs a full bucket for perSecond (NewRateBucket).
func (rl *rateLimiter) set(perSecond float64) {
	lim := NewRateBucket(perSecond)
	rl.mu.Lock()
	rl.perSecond, rl.lim = perSecond, lim
	rl.mu.Unlock()
}

func (rl *rateLimiter) get() float64 {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.perSecond
}

// admit takes a token for a request arriving at now. Without one it reports the whole
// seconds (at least 1) until the request would have been admitted, for Retry-After.
func (rl *rateLimiter) admit(now time.Time) (retryAfter int, admitted bool) {
	rl.mu.Lock()
	lim := rl.lim
	rl.mu.Unlock()
	if lim == nil {
		return 0, true
	}
	res := lim.ReserveN(now, 1)
	if !res.OK() { // cannot happen with a burst of at least 1
		return 1, false
	}
	delay := res.DelayFrom(now)
	if delay <= 0 {
		return 0, true
	}
	res.CancelAt(now) // a refused request does not use up the tokens of the next ones
	return max(1, int(math.Ceil(delay.Seconds()))), false
}

// SetRateLimit replaces Options.RateLimit: requests per second over the whole API, 0 for no
// limit. The bucket starts full.
func (s *Server) SetRateLimit(perSecond float64) error {
	if err := validateRateLimit(perSecond); err != nil {
		return err
	}
	s.limiter.set(perSecond)
	return nil
}

// RateLimit returns the rate limit in force (requests per second; 0 = unlimited).
func (s *Server) RateLimit() float64 { return s.limiter.get() }
