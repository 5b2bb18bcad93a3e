package bench

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
)

// startSandbox starts the sandbox with the case's latency, task delay and rate limit, request
// logging off, and waits for its ready file.
func (e *Env) startSandbox(dir string, c Case, s Settings) (*harness.Sandbox, error) {
	args := []string{"-task-delay", s.TaskDelay.String(), "-latency", s.Latency.String(), "-quiet"}
	if c.RateLimit > 0 {
		args = append(args, "-rate-limit", strconv.FormatFloat(c.RateLimit, 'f', -1, 64))
	}
	return harness.StartSandbox(harness.SandboxSpec{Exe: filepath.Join(e.Bin, sandboxExe), Addr: "127.0.0.1:0",
		KeyFile: filepath.Join(dir, "merchant-key.pem"), ReadyFile: filepath.Join(dir, "sandbox.url"), Args: args,
		Log: filepath.Join(dir, "sandbox.log"), LogPrefix: "$ ", What: "cards-sandbox " + c.Name(),
		ControlTimeout: 30 * time.Second})
}

// cardStatuses counts the sandbox's cards by status ("100 Active"); total is every card.
func cardStatuses(sb *harness.Sandbox) (summary string, byStatus map[string]int, total int, err error) {
	cards, err := sb.Cards()
	if err != nil {
		return "", nil, 0, err
	}
	byStatus = map[string]int{}
	for _, c := range cards {
		byStatus[c.Status]++
	}
	parts := make([]string, 0, len(byStatus))
	for _, s := range slices.Sorted(maps.Keys(byStatus)) {
		parts = append(parts, fmt.Sprintf("%d %s", byStatus[s], s))
	}
	if len(parts) == 0 {
		return "no cards", byStatus, 0, nil
	}
	return strings.Join(parts, ", "), byStatus, len(cards), nil
}

// opCounts splits the sandbox's counters into requests per operation ("CardDetails": every
// request routed to it) and the 429s of the platform's rate limit (Op.ratelimited).
func opCounts(counters map[string]int) (requests map[string]int, total, throttled int) {
	requests = map[string]int{}
	for k, v := range counters {
		op, suffix, hasSuffix := strings.Cut(k, ".")
		switch {
		case !hasSuffix && !strings.HasPrefix(op, "webhook"):
			requests[op] = v
			total += v
		case suffix == "ratelimited":
			throttled += v
		}
	}
	return requests, total, throttled
}
