// Package reliability is the fault-injection harness behind `make reliability` (the full
// matrix, which writes RELIABILITY.md) and `make reliability-smoke` (a short run in
// `make test` that asserts the hard invariants).
//
// Per scenario it starts a fresh cards-sandbox process (built from this checkout) on a free
// loopback port with the scenario's faults, writes a configuration of N cards_card and M
// cards_card_topup, and drives the real Terraform CLI with the provider built from this
// checkout (dev_overrides, no init): terraform apply until it exits 0 (at most MaxApplyRuns),
// acting between runs as the operator the provider's errors address; then a plan that must be
// empty, and terraform destroy until it succeeds. Disruptions (SIGINT or SIGKILL to Terraform,
// a sandbox restart) fire when a sandbox counter reaches a threshold, so that they hit
// operations in flight. It measures from the sandbox's own records (the control API under
// /sandbox/): cards issued against keys, duplicates, orphans, top-ups asked against made.
//
// Everything it writes goes under .tmp/reliability/ of the repository; it only talks to
// loopback addresses, and it ends every process it starts.
package reliability

import (
	"fmt"
	"strings"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// VirtualProgram is the sandbox's seed program of virtual USD cards without KYC.
const VirtualProgram = sandbox.ProgramVirtual

// Phase is the Terraform command a disruption interrupts.
type Phase string

const (
	PhaseApply   Phase = "apply"
	PhaseDestroy Phase = "destroy"
)

// Actions of a Disruption.
const (
	ActionSIGINT         = "SIGINT"          // to the terraform process only, as Ctrl-C in a CI job's shell
	ActionSIGKILL        = "SIGKILL"         // to terraform, then to its provider plugins (a lost runner)
	ActionRestartSandbox = "restart-sandbox" // SIGKILL the sandbox, start it again (same port and state file)
)

// Disruption happens once, during the first run of Phase, when the sandbox counter Counter has
// grown by AtLeast since the run began (so that operations are in flight).
type Disruption struct {
	Phase   Phase
	Action  string
	Counter string        // a key of GET /sandbox/counters, e.g. "ApplyCard" or "CardTopUp.processed"
	AtLeast int           // threshold on the counter's growth
	Down    time.Duration // ActionRestartSandbox: how long the sandbox stays down
}

func (d Disruption) String() string {
	s := fmt.Sprintf("%s during %s when %s ≥ %d", d.Action, d.Phase, d.Counter, d.AtLeast)
	if d.Action == ActionRestartSandbox {
		s = fmt.Sprintf("sandbox killed and restarted (down %s) during %s when %s ≥ %d", d.Down, d.Phase, d.Counter, d.AtLeast)
	}
	return s
}

// Scenario is one row of the matrix.
type Scenario struct {
	Name string
	What string // faults and disruption, for the report

	Cards  int // cards_card keys
	TopUps int // cards_card_topup onto the first TopUps cards

	TaskDelay    time.Duration // sandbox -task-delay (default 1s)
	Latency      time.Duration // sandbox -latency (also how long the operator waits for in-flight requests)
	SandboxFlags []string      // further fault flags, e.g. -error-rate 0.3
	Faults       string        // JSON PUT to /sandbox/faults before the first apply ("" = none)

	RequestTimeout    string  // provider request_timeout ("" = the provider's default)
	RequestsPerSecond float64 // provider requests_per_second (0 = 1000)
	TopUpTimeout      string  // top-up timeouts.create (default "20s")

	Disrupt *Disruption

	// LaterApplyArgs are added to every apply after the first (e.g. -refresh=false, as a user
	// in a hurry after an interrupted run might).
	LaterApplyArgs []string
	// TargetMissingCard makes the second apply `-target` one card key that has no state yet
	// (its exit 0 is not convergence: an untargeted apply follows).
	TargetMissingCard bool

	MaxApplyRuns   int // default 8
	MaxPlanRuns    int // plans tried after the applies when a plan errors (default 3)
	MaxDestroyRuns int // default 8
}

func (s Scenario) withDefaults() Scenario {
	if s.TaskDelay == 0 {
		s.TaskDelay = time.Second
	}
	if s.RequestsPerSecond == 0 {
		s.RequestsPerSecond = 1000
	}
	if s.TopUpTimeout == "" {
		s.TopUpTimeout = "20s"
	}
	if s.MaxApplyRuns == 0 {
		s.MaxApplyRuns = 8
	}
	if s.MaxPlanRuns == 0 {
		s.MaxPlanRuns = 3
	}
	if s.MaxDestroyRuns == 0 {
		s.MaxDestroyRuns = 8
	}
	return s
}

// sandboxArgs are the scenario's own sandbox flags (not the address, key and files).
func (s Scenario) sandboxArgs() []string {
	args := []string{"-task-delay", s.TaskDelay.String(), "-kyc-review-delay", "500ms"}
	if s.Latency > 0 {
		args = append(args, "-latency", s.Latency.String())
	}
	return append(args, s.SandboxFlags...)
}

// Config renders the scenario's Terraform configuration for a sandbox at baseURL.
func (s Scenario) Config(baseURL, keyFile string) string {
	s = s.withDefaults()
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by internal/reliability for scenario %q.
terraform {
  required_providers {
    cards = { source = "arthawork/cards" }
  }
}

provider "cards" {
  base_url            = %q
  customer_token      = %q
  private_key         = file(%q)
  requests_per_second = %v
`, s.Name, baseURL, sandbox.DefaultCustomerToken, keyFile, s.RequestsPerSecond)
	if s.RequestTimeout != "" {
		fmt.Fprintf(&b, "  request_timeout     = %q\n", s.RequestTimeout)
	}
	fmt.Fprintf(&b, `}

resource "cards_card" "c" {
  for_each   = toset([for i in range(%d) : format("k%%02d", i)])
  program_id = %q
}
`, s.Cards, VirtualProgram)
	if s.TopUps > 0 {
		fmt.Fprintf(&b, `
resource "cards_card_topup" "t" {
  for_each = toset([for i in range(%d) : format("k%%02d", i)])
  card_id  = cards_card.c[each.key].id
  amount   = "10"

  timeouts {
    create = %q
  }
}
`, s.TopUps, s.TopUpTimeout)
	}
	return b.String()
}

// cardKeys are the for_each keys of the scenario's cards, as Config makes them.
func (s Scenario) cardKeys() []string {
	keys := make([]string, s.Cards)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%02d", i)
	}
	return keys
}

func cardAddress(key string) string { return fmt.Sprintf("cards_card.c[%q]", key) }

// sized gives the scenarios of a run the run's number of cards and top-ups and its task delay,
// unless they have their own.
func sized(cards, topUps int, taskDelay time.Duration, scenarios ...Scenario) []Scenario {
	for i := range scenarios {
		s := &scenarios[i]
		if s.Cards == 0 {
			s.Cards = cards
		}
		if s.TopUps == 0 {
			s.TopUps = topUps
		}
		if s.TaskDelay == 0 {
			s.TaskDelay = taskDelay
		}
	}
	return scenarios
}

// disruption fires action during phase once counter has grown by atLeast.
func disruption(phase Phase, action, counter string, atLeast int) *Disruption {
	return &Disruption{Phase: phase, Action: action, Counter: counter, AtLeast: atLeast}
}

// Matrix is the full run of `make reliability`: the matrix plus a fault-free baseline;
// 30 cards and 5 top-ups each, task delay 2s, unless stated.
func Matrix() []Scenario {
	restart := disruption(PhaseApply, ActionRestartSandbox, "ApplyCard", 15)
	restart.Down = 2 * time.Second
	return sized(30, 5, 2*time.Second,
		Scenario{Name: "baseline", What: "no faults (reference)"},
		Scenario{Name: "error-0.3", What: "30% of requests answered 500/503 before processing",
			SandboxFlags: []string{"-error-rate", "0.3"}},
		Scenario{Name: "throttle-0.3", What: "30% of requests answered 429 (Retry-After 1)",
			SandboxFlags: []string{"-throttle-rate", "0.3"}},
		Scenario{Name: "lose-0.2", What: "20% of requests processed, then the connection dropped",
			SandboxFlags: []string{"-lose-response-rate", "0.2"}},
		Scenario{Name: "combined-0.1", What: "10% each: 500/503, 429, lost answer",
			SandboxFlags: []string{"-error-rate", "0.1", "-throttle-rate", "0.1", "-lose-response-rate", "0.1"}},
		// No read can succeed here (every answer comes after the read's timeout), so the scenario
		// cannot converge; each command takes minutes to fail, hence 10 cards, 2 applies, 1 plan.
		Scenario{Name: "latency-3s", What: "latency 3s on every request, provider request_timeout 1s (10 cards, 2 applies, 1 plan)",
			Cards: 10, Latency: 3 * time.Second, RequestTimeout: "1s", MaxApplyRuns: 2, MaxPlanRuns: 1, MaxDestroyRuns: 2},
		Scenario{Name: "sigint-apply", What: "SIGINT to terraform while cards are being waited for",
			Disrupt: disruption(PhaseApply, ActionSIGINT, "ApplyCard.processed", 10)},
		Scenario{Name: "sigint-destroy", What: "SIGINT to terraform while cards are being cancelled",
			Disrupt: disruption(PhaseDestroy, ActionSIGINT, "CancelCard", 10)},
		// Beyond the matrix: after an interrupted apply, the next apply skips the refresh.
		Scenario{Name: "sigint-then-refresh-false", What: "SIGINT to terraform during apply, then `apply -refresh=false`",
			Disrupt: disruption(PhaseApply, ActionSIGINT, "ApplyCard.processed", 10), LaterApplyArgs: []string{"-refresh=false"}},
		// With 1s latency the second wave of ten ApplyCards is processed over a few hundred
		// milliseconds: the kill finds cards saved, cards answered but not saved, and ApplyCards in
		// flight (no answer yet).
		Scenario{Name: "sigkill-apply", What: "SIGKILL to terraform (and its provider) mid-apply; latency 1s, so ApplyCards are in flight",
			Latency: time.Second, Disrupt: disruption(PhaseApply, ActionSIGKILL, "ApplyCard.processed", 13)},
		// Latency 1s, and the kill when the second wave of ApplyCards has been received: those
		// requests die with the sandbox unprocessed, their connections reset.
		Scenario{Name: "sandbox-restart", What: "sandbox SIGKILLed with ApplyCards in flight (latency 1s), restarted after 2s on the same port and state file",
			Latency: time.Second, Disrupt: restart},
		Scenario{Name: "lost-topup-answer", What: `one-shot fault {"next":[{"operation":"CardTopUp","mode":"lose-response"}]}`,
			Faults: `{"next":[{"operation":"CardTopUp","mode":"lose-response","count":1}]}`},
		Scenario{Name: "interrupted-topup", What: "SIGINT to terraform while top-ups are pending (task delay 6s)",
			TaskDelay: 6 * time.Second, Disrupt: disruption(PhaseApply, ActionSIGINT, "CardTopUp.processed", 3)},
		// Beyond the matrix: the journal's top-up path. With 1s latency the kill finds
		// CardTopUp requests sent and unanswered, and the next run must decide them from the card's
		// transactions.
		Scenario{Name: "sigkill-topup", What: "SIGKILL to terraform (and its provider) with CardTopUp requests in flight; latency 1s",
			Latency: time.Second, Disrupt: disruption(PhaseApply, ActionSIGKILL, "CardTopUp", 3)},
		Scenario{Name: "late-answer-0.2", What: "20% of answers held 5s after processing, provider request_timeout 1s",
			SandboxFlags: []string{"-late-answer-rate", "0.2", "-late-answer-delay", "5s"}, RequestTimeout: "1s"},
		Scenario{Name: "error-after-0.2", What: "20% of requests processed, then answered 500",
			SandboxFlags: []string{"-error-after-processing-rate", "0.2"}},
	)
}

// Smoke is the short run in `make test`: 5 cards and 2 top-ups each, task delay 500ms.
func Smoke() []Scenario {
	return sized(5, 2, 500*time.Millisecond,
		Scenario{Name: "smoke-lose-0.3", What: "30% of requests processed, then the connection dropped",
			SandboxFlags: []string{"-lose-response-rate", "0.3"}},
		Scenario{Name: "smoke-sigint-apply", What: "SIGINT to terraform while cards are being issued",
			Disrupt: disruption(PhaseApply, ActionSIGINT, "ApplyCard.processed", 3)},
		Scenario{Name: "smoke-sigkill-apply", What: "SIGKILL to terraform (and its provider) with ApplyCard in flight; latency 500ms",
			Latency: 500 * time.Millisecond, Disrupt: disruption(PhaseApply, ActionSIGKILL, "ApplyCard", 3)},
	)
}

// Repros are scenarios outside the matrix that reproduce a specific finding; run one with
// CARDS_RELIABILITY_ONLY=<name> make reliability (it writes RELIABILITY-partial.md).
func Repros() []Scenario {
	return sized(30, 5, 2*time.Second,
		Scenario{Name: "sigint-then-target", What: "SIGINT to terraform during apply, then `apply -target` of one card not in state",
			TargetMissingCard: true, Disrupt: disruption(PhaseApply, ActionSIGINT, "ApplyCard.processed", 10)},
	)
}
