package bench

import (
	"fmt"
	"math"
	"time"
)

// Phase is one step of a card fleet's life, each one Terraform command.
type Phase string

const (
	PhaseCreate  Phase = "create"  // terraform apply: N new cards
	PhaseRefresh Phase = "refresh" // terraform plan -detailed-exitcode: must be empty
	PhaseUpdate  Phase = "update"  // frozen = true on every card, terraform apply
	PhaseDestroy Phase = "destroy" // terraform destroy: every card cancelled
)

// Phases are the phases in the order they run.
var Phases = []Phase{PhaseCreate, PhaseRefresh, PhaseUpdate, PhaseDestroy}

// Minimal is the least a phase can cost one card on the platform.
type Minimal struct {
	Requests   int    // requests per card
	Latencies  int    // requests on the card's critical path, each costing the latency L
	TaskDelays int    // platform tasks on the critical path, each costing the task delay D
	What       string // the requests, for the report
}

// MinimalPerCard: a virtual card is created by ApplyCard and seen Active by one CardDetails;
// refreshed by one CardDetails. Update and destroy are `terraform apply` and `terraform
// destroy`, which refresh every card first (one CardDetails each); then a card is frozen by
// CardFreeze and seen Frozen by one CardDetails, or cancelled by CancelCard and seen
// Cancelled by one CardDetails.
var MinimalPerCard = map[Phase]Minimal{
	PhaseCreate:  {Requests: 2, Latencies: 2, TaskDelays: 1, What: "ApplyCard + 1 CardDetails"},
	PhaseRefresh: {Requests: 1, Latencies: 1, TaskDelays: 0, What: "1 CardDetails"},
	PhaseUpdate:  {Requests: 3, Latencies: 3, TaskDelays: 1, What: "CardDetails + CardFreeze + 1 CardDetails"},
	PhaseDestroy: {Requests: 3, Latencies: 3, TaskDelays: 1, What: "CardDetails + CancelCard + 1 CardDetails"},
}

// Case is one configuration of the benchmark: N cards, terraform -parallelism=P, and the
// platform's rate limit R in requests per second (0: none).
type Case struct {
	N         int
	P         int
	RateLimit float64
}

func (c Case) String() string {
	r := "unlimited"
	if c.RateLimit > 0 {
		r = fmt.Sprintf("%g/s", c.RateLimit)
	}
	return fmt.Sprintf("N=%d P=%d R=%s", c.N, c.P, r)
}

// Name is the case's directory name under .tmp/bench/<suite>/.
func (c Case) Name() string { return fmt.Sprintf("n%d-p%d-r%g", c.N, c.P, c.RateLimit) }

// Settings are the sandbox's timings, shared by every case of a suite.
type Settings struct {
	Latency   time.Duration `json:"latency_ns"`    // -latency: added to every API request
	TaskDelay time.Duration `json:"task_delay_ns"` // -task-delay: how long an accepted operation takes
}

// Waves is how many rounds of P cards Terraform needs for N: ⌈N/P⌉.
func Waves(n, p int) int {
	if p <= 0 {
		p = 1
	}
	return (n + p - 1) / p
}

// PlatformBound is the least time the platform allows for a phase: ⌈N/P⌉ rounds of one
// card's critical path (requests × L + task delays × D) and, with a rate limit R, the phase's
// minimal requests at R per second, whichever is longer.
func PlatformBound(ph Phase, c Case, s Settings) time.Duration {
	m := MinimalPerCard[ph]
	path := time.Duration(m.Latencies)*s.Latency + time.Duration(m.TaskDelays)*s.TaskDelay
	bound := time.Duration(Waves(c.N, c.P)) * path
	if c.RateLimit > 0 {
		byRate := time.Duration(float64(c.N*m.Requests) / c.RateLimit * float64(time.Second))
		bound = max(bound, byRate)
	}
	return bound
}

// OracleApplyRequests is how many requests each of the oracle's creates, updates and deletes
// makes, with the task delay after the first: one card's critical path after Terraform's
// refresh read of it, which is the oracle's Read (one request). The oracle is the no-op
// provider made to take exactly the platform's time (internal/bench/noop): the best any
// provider could do, with Terraform's own time around and between the waves in it.
func OracleApplyRequests(ph Phase) int {
	onPath := MinimalPerCard[ph].Latencies
	if ph != PhaseCreate {
		onPath-- // Terraform's refresh read, the oracle's read
	}
	return onPath
}

// deriveFromModel fills in what the model says of a measured result: the minimal requests,
// the platform bound, the ideal and the best possible, and the ratios to them. A full run's
// report is rendered again with it (CARDS_BENCH=render) when the model changes.
func (res *Result) deriveFromModel() {
	ph, c := res.Phase, Case{N: res.N, P: res.Parallelism, RateLimit: res.RateLimit}
	s := Settings{Latency: time.Duration(res.LatencyMS) * time.Millisecond, TaskDelay: time.Duration(res.TaskDelayMS) * time.Millisecond}
	res.MinimalRequestsPerCard = MinimalPerCard[ph].Requests
	platform := PlatformBound(ph, c, s)
	res.PlatformSeconds = round(platform.Seconds(), 2)
	wall := seconds(res.WallSeconds)
	ideal := Ideal(platform, seconds(res.FloorSeconds))
	res.IdealSeconds = round(ideal.Seconds(), 2)
	res.Ratio = Ratio(wall, ideal)
	if res.FloorSeconds > 0 {
		res.RatioToFloor = round(res.WallSeconds/res.FloorSeconds, 3)
	}
	res.OracleRatio, res.BestSeconds, res.RatioToBest = 0, 0, 0
	if res.OracleSeconds > 0 {
		res.OracleRatio = Ratio(seconds(res.OracleSeconds), ideal)
		best := max(ideal, seconds(res.OracleSeconds))
		res.BestSeconds = round(best.Seconds(), 2)
		res.RatioToBest = Ratio(wall, best)
	}
}

func seconds(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }

// secondsOf is durations in seconds, rounded to hundredths (nil for none).
func secondsOf(durations []time.Duration) []float64 {
	var out []float64
	for _, d := range durations {
		out = append(out, round(d.Seconds(), 2))
	}
	return out
}

// Ideal is max(platform bound, floor): neither the platform nor Terraform can be beaten.
func Ideal(platform, floor time.Duration) time.Duration { return max(platform, floor) }

// Ratio is wall / ideal (0 when there is no ideal).
func Ratio(wall, ideal time.Duration) float64 {
	if ideal <= 0 {
		return 0
	}
	return round(wall.Seconds()/ideal.Seconds(), 3)
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// Targets are the goals; the report says which are met, the tests never assert them.
const (
	TargetRatio            = 1.2 // create, update, destroy: wall / ideal, and wall / best
	TargetRefreshFloor     = 1.5 // refresh: wall / floor
	TargetRequestsPerCard  = 3.0 // create, update (freeze), destroy
	TargetRefreshPerCard   = 1.0
	TargetPeakRSSMB        = 200.0 // at N = 1000
	TargetPeakRSSAtN       = 1000
	TargetThrottledErrorsR = 50.0 // no 429 may surface as an error at R = 50
)
