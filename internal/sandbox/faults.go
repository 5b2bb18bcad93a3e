package sandbox

import (
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Fault modes of a NextFault.
const (
	ModeLoseResponse = "lose-response" // process the request fully, then close the connection without answering
	Mode500          = "500"           // answer 500 before processing
	Mode503          = "503"           // answer 503 before processing
	ModeThrottle     = "429"           // answer 429 with Retry-After: 1 before processing
	// ModeLateAnswer processes the request fully, then holds the answer for LateAnswerDelay:
	// the client has normally given up by then, not knowing the request took effect.
	ModeLateAnswer = "late-answer"
	// Mode500AfterProcessing processes the request fully, then answers 500 as if it had failed.
	Mode500AfterProcessing = "500-after"
	// ModeTopUpFails makes the next accepted CardTopUp fail when it settles: TopUpStatus then
	// says Failed with remarks, and the merchant balance is refunded.
	ModeTopUpFails = "topup-fails"
)

// Faults are injected into API requests (never into /sandbox controls).
//
// Per request, once it has been read in full: the first Next entry whose Operation matches
// is consumed; else ThrottleRate, ErrorRate (500 or 503, even odds), LoseResponseRate,
// LateAnswerRate and ErrorAfterRate are drawn in turn. Then Latency is waited, even if the
// client gives up meanwhile: what was received is processed, as on a real platform.
// 429/500/503 are answered before authentication and processing (the nonce is not used up).
// lose-response, late-answer and 500-after run the request to completion, state change
// included, and then drop the connection, answer LateAnswerDelay late, or answer 500.
type Faults struct {
	Latency                                   time.Duration
	ErrorRate, ThrottleRate, LoseResponseRate float64       // 0..1
	LateAnswerRate, ErrorAfterRate            float64       // 0..1: late-answer, 500-after
	LateAnswerDelay                           time.Duration // how long a late-answer is held; 0 means 30 s
	Next                                      []NextFault
}

// defaultLateAnswerDelay outlasts the usual client timeouts.
const defaultLateAnswerDelay = 30 * time.Second

// NextFault is a deterministic one-shot fault: it hits the next Count requests of Operation
// (an operation name such as "ApplyCard"; "" or "*" means any operation). Count 0 means 1.
// A ModeTopUpFails entry is consumed by accepted CardTopUp requests only.
type NextFault struct {
	Operation string `json:"operation"`
	Mode      string `json:"mode"`
	Count     int    `json:"count"`
}

// Validate reports what is wrong with f: a rate outside 0..1, a negative duration, an unknown
// mode or operation.
func (f Faults) Validate() error {
	for _, r := range []struct {
		name string
		rate float64
	}{
		{"errorRate", f.ErrorRate}, {"throttleRate", f.ThrottleRate}, {"loseResponseRate", f.LoseResponseRate},
		{"lateAnswerRate", f.LateAnswerRate}, {"errorAfterRate", f.ErrorAfterRate},
	} {
		if r.rate < 0 || r.rate > 1 || math.IsNaN(r.rate) {
			return fmt.Errorf("%s %v is outside 0..1", r.name, r.rate)
		}
	}
	if f.Latency < 0 {
		return errors.New("latency must not be negative")
	}
	if f.LateAnswerDelay < 0 {
		return errors.New("lateAnswerDelay must not be negative")
	}
	for _, nf := range f.Next {
		switch nf.Mode {
		case ModeLoseResponse, Mode500, Mode503, ModeThrottle, ModeLateAnswer, Mode500AfterProcessing, ModeTopUpFails:
		default:
			return fmt.Errorf("unknown fault mode %q (want lose-response, 500, 503, 429, late-answer, 500-after or topup-fails)", nf.Mode)
		}
		if nf.Operation != "" && nf.Operation != "*" && canonicalOp(nf.Operation) == "" {
			return fmt.Errorf("unknown operation %q", nf.Operation)
		}
		if nf.Mode == ModeTopUpFails && !anyOp(nf.Operation) && canonicalOp(nf.Operation) != OpCardTopUp {
			return fmt.Errorf("mode topup-fails applies to CardTopUp, not %s", nf.Operation)
		}
		if nf.Count < 0 {
			return errors.New("count must not be negative")
		}
	}
	return nil
}

func anyOp(op string) bool { return op == "" || op == "*" }

// canonicalOp returns the operation name spelled as the constants, "" if unknown.
func canonicalOp(op string) string {
	for _, r := range routes {
		if strings.EqualFold(r.name, op) {
			return r.name
		}
	}
	return ""
}

type faultSet struct {
	mu sync.Mutex
	f  Faults
}

type faultDecision struct {
	latency   time.Duration
	mode      string        // "" for none
	lateDelay time.Duration // how long ModeLateAnswer holds the answer
}

func (fs *faultSet) set(f Faults) {
	next := make([]NextFault, 0, len(f.Next))
	for _, nf := range f.Next {
		if nf.Count == 0 {
			nf.Count = 1
		}
		if !anyOp(nf.Operation) {
			nf.Operation = canonicalOp(nf.Operation)
		}
		next = append(next, nf)
	}
	f.Next = next
	fs.mu.Lock()
	fs.f = f
	fs.mu.Unlock()
}

func (fs *faultSet) get() Faults {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.f
	f.Next = append([]NextFault(nil), fs.f.Next...)
	return f
}

// decide picks the fault for one request of op.
func (fs *faultSet) decide(op string) faultDecision {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	d := faultDecision{latency: fs.f.Latency, lateDelay: fs.f.LateAnswerDelay}
	if d.lateDelay == 0 {
		d.lateDelay = defaultLateAnswerDelay
	}
	for i := range fs.f.Next {
		nf := &fs.f.Next[i]
		if nf.Mode == ModeTopUpFails || (!anyOp(nf.Operation) && nf.Operation != op) {
			continue
		}
		d.mode = nf.Mode
		fs.consumeLocked(i)
		return d
	}
	switch {
	case chance(fs.f.ThrottleRate):
		d.mode = ModeThrottle
	case chance(fs.f.ErrorRate):
		d.mode = Mode500
		if chance(0.5) {
			d.mode = Mode503
		}
	case chance(fs.f.LoseResponseRate):
		d.mode = ModeLoseResponse
	case chance(fs.f.LateAnswerRate):
		d.mode = ModeLateAnswer
	case chance(fs.f.ErrorAfterRate):
		d.mode = Mode500AfterProcessing
	}
	return d
}

// chance reports true with probability rate.
func chance(rate float64) bool {
	return rate > 0 && mrand.Float64() < rate //nolint:gosec // G404: fault draws need no unpredictability
}

// takeTopUpFailure consumes one topup-fails entry, reporting whether there was one.
func (fs *faultSet) takeTopUpFailure() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i := range fs.f.Next {
		if fs.f.Next[i].Mode == ModeTopUpFails {
			fs.consumeLocked(i)
			return true
		}
	}
	return false
}

func (fs *faultSet) consumeLocked(i int) {
	fs.f.Next[i].Count--
	if fs.f.Next[i].Count <= 0 {
		fs.f.Next = append(fs.f.Next[:i], fs.f.Next[i+1:]...)
	}
}

// SetFaults replaces the injected faults, including the rates given in Options. It panics
// on an invalid f (see Faults.Validate): that is a mistake in the calling test.
func (s *Server) SetFaults(f Faults) {
	if err := f.Validate(); err != nil {
		panic("sandbox: SetFaults: " + err.Error())
	}
	s.faults.set(f)
}

// CurrentFaults returns the faults in force, with the one-shot faults not yet used.
func (s *Server) CurrentFaults() Faults { return s.faults.get() }

// counters counts API requests; see Server.Counters for the keys.
type counters struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counters) inc(key string) {
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]int)
	}
	c.m[key]++
	c.mu.Unlock()
}

func (c *counters) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

func (c *counters) reset() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
