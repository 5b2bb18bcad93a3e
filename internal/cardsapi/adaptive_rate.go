package cardsapi

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The client's request rate adapts to the platform, as the adaptive retry mode of the AWS SDKs
// does: it grows while answers come and is cut when the platform answers 429 (or 503), so a
// run is bounded by what the platform allows rather than by a fixed number nobody asked for.
// Every caller of one Client shares it. Config.RequestsPerSecond, when set, is a hard cap the
// rate never exceeds.
const (
	// AdaptiveStartRate is the rate a client without a cap starts at.
	AdaptiveStartRate = 50.0
	// adaptiveCeiling bounds the rate of a client without a cap (a rate no platform is
	// expected to allow; it keeps the arithmetic finite).
	adaptiveCeiling = 10000.0
	// adaptiveFloor is the least rate a throttled client goes down to.
	adaptiveFloor = 1.0
	// adaptiveGrowth is the share by which each answered request raises the rate.
	adaptiveGrowth = 0.02
	// adaptiveCut is the factor applied to the rate when the platform throttles.
	adaptiveCut = 0.7
	// adaptiveCutSpacing stops a burst of 429s to parallel requests from cutting the rate
	// more than once for what is one event.
	adaptiveCutSpacing = time.Second
)

// adaptiveRate is the shared limiter and its current rate.
type adaptiveRate struct {
	limiter *rate.Limiter

	mu      sync.Mutex
	current float64
	ceiling float64
	lastCut time.Time
}

// newAdaptiveRate starts at the cap when there is one (requestsPerSecond > 0), else at
// AdaptiveStartRate with no cap but adaptiveCeiling.
func newAdaptiveRate(requestsPerSecond float64) *adaptiveRate {
	a := &adaptiveRate{current: AdaptiveStartRate, ceiling: adaptiveCeiling}
	if requestsPerSecond > 0 {
		a.current, a.ceiling = requestsPerSecond, requestsPerSecond
	}
	// Burst 1: requests are spread evenly rather than let through in bursts the server may throttle.
	a.limiter = rate.NewLimiter(rate.Limit(a.current), 1)
	return a
}

// answered raises the rate a little: the platform keeps up.
func (a *adaptiveRate) answered(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.current >= a.ceiling {
		return
	}
	a.current = math.Min(a.ceiling, a.current+math.Max(adaptiveGrowth*a.current, 0.1))
	a.limiter.SetLimitAt(now, rate.Limit(a.current))
}

// throttled cuts the rate: the platform asked for less.
func (a *adaptiveRate) throttled(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.Sub(a.lastCut) < adaptiveCutSpacing {
		return
	}
	a.lastCut = now
	a.current = math.Max(adaptiveFloor, math.Min(a.current, a.ceiling)*adaptiveCut)
	a.limiter.SetLimitAt(now, rate.Limit(a.current))
}

// rate is the current rate, for logs and tests.
func (a *adaptiveRate) rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current
}
