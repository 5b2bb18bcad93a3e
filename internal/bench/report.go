package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
)

// WriteResults writes the results as a JSON array (results.json).
func WriteResults(path string, results []Result) error {
	if results == nil {
		results = []Result{}
	}
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	if err := harness.MkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	return harness.WriteFile(path, append(data, '\n'))
}

// Markers of the hand-written part of BENCHMARKS.md, kept when the report is written again.
const (
	notesBegin = "<!-- notes: written by hand, kept by `make bench` -->"
	notesEnd   = "<!-- end of notes -->"
)

// WriteMarkdown writes the report to path, keeping the hand-written notes of the file it
// replaces.
func WriteMarkdown(path string, rep *Report, resultsPath string) error {
	notes := ""
	if old, err := harness.ReadFile(path); err == nil {
		s := string(old)
		if i := strings.Index(s, notesBegin); i >= 0 {
			if j := strings.Index(s[i:], notesEnd); j >= 0 {
				notes = strings.TrimSpace(s[i+len(notesBegin) : i+j])
			}
		}
	}
	if err := harness.MkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	return harness.WriteFile(path, []byte(Markdown(rep, resultsPath, notes)))
}

func secs(v float64) string {
	switch {
	case v == 0:
		return "–"
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

func rateName(r float64) string {
	if r <= 0 {
		return "–"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func caseLabel(r Result) string {
	return fmt.Sprintf("N=%d P=%d R=%s", r.N, r.Parallelism, rateName(r.RateLimit))
}

// requestList is "ApplyCard 100, CardDetails 187" in a fixed order of importance.
func requestList(req map[string]int) string {
	ops := make([]string, 0, len(req))
	for op := range req {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(a, b int) bool {
		if req[ops[a]] != req[ops[b]] {
			return req[ops[a]] > req[ops[b]]
		}
		return ops[a] < ops[b]
	})
	parts := make([]string, 0, len(ops))
	for _, op := range ops {
		parts = append(parts, fmt.Sprintf("%s %d", op, req[op]))
	}
	return strings.Join(parts, ", ")
}

func status(r Result) string {
	var notes []string
	if !r.OK {
		notes = append(notes, fmt.Sprintf("**failed** (exit %d)", r.ExitCode))
	}
	if r.PlanEmpty != nil && !*r.PlanEmpty {
		notes = append(notes, "**plan not empty**")
	}
	if !r.CardsOK {
		notes = append(notes, "**sandbox: "+r.SandboxCards+"**")
	}
	if !r.FloorOK {
		notes = append(notes, "floor failed")
	}
	if r.OracleSeconds > 0 && !r.OracleOK {
		notes = append(notes, "oracle failed")
	}
	if len(notes) == 0 {
		return "ok"
	}
	return strings.Join(notes, ", ")
}

// printf writes a formatted piece of the report.
type printf func(format string, args ...any)

// Markdown renders BENCHMARKS.md.
func Markdown(rep *Report, resultsPath, notes string) string {
	var b strings.Builder
	w := printf(func(format string, args ...any) { fmt.Fprintf(&b, format, args...) })
	writeIntro(w, rep, resultsPath)
	writeMachine(w, rep)
	writeSettings(w, rep)
	writeIdeal(w)
	writeResults(w, rep)
	writeTargets(w, rep.Results)
	writeWhereTimeGoes(w, rep.Results)
	writeObservations(w, rep)
	writeNotes(w, notes)
	return b.String()
}

func writeIntro(w printf, rep *Report, resultsPath string) {
	w("# Benchmarks: a card fleet's life against the physical limit\n\n")
	w("Issue #12. `%s` drives the real Terraform CLI and the sandbox through a fleet's whole life — create "+
		"(`terraform apply`), refresh (`terraform plan`, which must be empty), update (`frozen = true` on every card, "+
		"`terraform apply`), destroy — and compares each phase with what the platform and Terraform itself allow. "+
		"This file and [`%s`](%s) are written by that run (internal/bench); only the notes at the end are written by hand.\n\n",
		rep.Command, resultsPath, resultsPath)
}

func writeMachine(w printf, rep *Report) {
	m := rep.Machine
	commit := m.Commit
	if m.Dirty {
		commit += " (with uncommitted changes in the working tree)"
	}
	w("## Machine\n\n| | |\n|---|---|\n")
	w("| nproc | %d |\n", m.CPUs)
	if m.CPUModel != "" {
		w("| CPU | %s |\n", m.CPUModel)
	}
	w("| memory | %d MB |\n| OS | %s |\n| Terraform | %s |\n| Go | %s |\n| commit | %s |\n", m.MemoryMB, m.OS, m.Terraform, m.Go, commit)
	if m.SourceDigest != "" {
		w("| sources built | digest %s (`bench.SourceDigest`: SHA-256 of the module's Go sources, go.mod and go.sum), built %s |\n",
			m.SourceDigest, m.Built.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	w("| run | %s, %s", rep.Started.UTC().Format("2006-01-02 15:04 UTC"), rep.Took.Round(time.Second))
	if rep.Waited > 0 {
		w(" (of which %s waiting for other processes to finish)", rep.Waited.Round(time.Second))
	}
	w(" |\n")
	loadMin, loadMax, other := loadRange(rep.Results)
	w("| other load | 1-minute load average %s–%s when the phases began; CPU time of processes not ours during the phases: %.0f s |\n\n",
		loadMin, loadMax, other)
}

func writeSettings(w printf, rep *Report) {
	w("## Settings\n\n")
	w("* Sandbox (`cmd/cards-sandbox`, its own process on a free loopback port): `-task-delay %s -latency %s -quiet`, "+
		"plus `-rate-limit R` where R is given (the platform's own limit: 429 with Retry-After beyond R requests per second, "+
		"counted as `Op.ratelimited`).\n", rep.Settings.TaskDelay, rep.Settings.Latency)
	w("* Provider: built from this checkout, used through `dev_overrides` (no `terraform init`), configured without " +
		"`requests_per_second` — the default adaptive rate with no cap — and run with `TF_LOG_PROVIDER=INFO`.\n")
	w("* Configuration: `cards_card` × N with `count`, program `3f1c2a9e-7b4d-4c61-9a2e-5d8f0b6c1a01` (virtual). " +
		"Every command runs with `-parallelism=P -input=false -no-color`; refresh is `terraform plan -detailed-exitcode`.\n")
	w("* Requests: the sandbox's per-operation counters, reset before each phase and read after it (429s included). " +
		"Peak RSS: every 100 ms the harness finds the `terraform-provider-cards` processes whose parent is the Terraform " +
		"process and reads `VmHWM`/`VmRSS` from `/proc/<pid>/status`; the table shows the largest.\n")
	w("* Floor: the same phase, with the same N, configuration and `-parallelism`, on `noop_card` resources of a no-op provider " +
		"built with the same terraform-plugin-framework (`internal/bench/noop`: the schema of `cards_card`, CRUD doing nothing), " +
		"measured in the same run: each phase right before ours, with the first case of that N and P.\n")
	w("* Oracle: the floor's lifecycle again, with the no-op provider taking exactly the platform's time: each read is "+
		"one request, which takes L (%s), and each create, update and delete the %d requests of one card's critical path "+
		"after Terraform's refresh read, with D (%s) after the first. With a rate limit R it paces its requests to a bucket "+
		"like the platform's (R tokens, refilled at R a second, full when the case starts), which every provider process of "+
		"its lifecycle shares as the platform's is shared by every process of ours (`internal/bench/oracle_bucket.go`): "+
		"never refused, never waiting out a Retry-After (make bench paces it up to N = %d, for time; an oracle cell "+
		"marked \"no R\" is the unpaced one). It has nothing to learn: its wall time is the best any provider can "+
		"do under Terraform on this machine, and its ratio what such a provider would score.\n\n",
		rep.Settings.Latency, OracleApplyRequests(PhaseCreate), rep.Settings.TaskDelay, FullSuite().OracleRateLimitUpToN)

	w("## Command\n\n```shell\n%s\n```\n\n", rep.Command)
	w("Logs of every Terraform command (stdout `*.out`, stderr with the provider's log `*.log`) and of the sandbox are under " +
		"`.tmp/bench/<suite>/<case>/`.\n\n")
}

func writeIdeal(w printf) {
	w("## The ideal\n\n")
	w("| phase | minimal requests per card | critical path of one card |\n|---|---|---|\n")
	for _, ph := range Phases {
		mn := MinimalPerCard[ph]
		path := fmt.Sprintf("%dL + D", mn.Latencies)
		if mn.TaskDelays == 0 {
			path = fmt.Sprintf("%dL (no task delay: the ideal is the floor)", mn.Latencies)
		}
		w("| %s | %s = %d | %s |\n", ph, mn.What, mn.Requests, path)
	}
	w("\n*platform* = ⌈N/P⌉ × the critical path (L = latency, D = task delay) and, with a rate limit R, at least N × minimal "+
		"requests / R. *floor* = the no-op provider's time for the phase. *ideal* = max(platform, floor); *ratio* = wall / ideal "+
		"(the issue's measure). *oracle* = the oracle's time for the phase; *best* = max(ideal, oracle), *×best* = wall / best. "+
		"The ideal adds Terraform's own time only where it is longer than the platform's; the oracle also has it where it "+
		"comes before, after and between the platform's waves, which no provider can overlap, and with R how the bucket "+
		"meets requests that come in waves, which the ideal does not model. "+
		"A refresh, the shortest phase and the only one that can run again without changing what the next starts from, is "+
		"measured %d times, ours, the floor's and the oracle's alike, in turns; each reports its run of median wall time. "+
		"Each phase of ours runs right after the same phase of its floor and oracle, so that all three meet the machine as "+
		"it is then (a case with a rate limit reuses the floor measured with its N and P). "+
		"For refresh the platform bound is only N / R when R is set (otherwise ⌈N/P⌉ × L, below the floor), so without R its "+
		"ideal is the floor. Terraform's own refresh before update and destroy reads each card once: that is the first "+
		"CardDetails in their minimums.\n\n", refreshRuns)
}

func writeResults(w printf, rep *Report) {
	w("## Results\n\n")
	w("| case | phase | wall s | floor s | platform s | ideal s | ratio | oracle s (its ratio) | ×best | req/card (min) | requests | 429s | provider peak RSS MB | status |\n")
	w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|\n")
	for _, r := range rep.Results {
		w("| %s | %s | %s | %s | %s | %s | %.2f | %s | %s | %.2f (%d) | %s | %d | %.0f | %s |\n", caseLabel(r), r.Phase,
			secs(r.WallSeconds), secs(r.FloorSeconds), secs(r.PlatformSeconds), secs(r.IdealSeconds), r.Ratio, oracleCell(r),
			ratioCell(r.RatioToBest), r.RequestsPerCard, r.MinimalRequestsPerCard, requestList(r.Requests), r.Throttled,
			r.PeakRSSMB, status(r))
	}
	if len(rep.Problems) > 0 {
		w("\nProblems that stopped a case:\n\n")
		for _, p := range rep.Problems {
			w("* %s\n", p)
		}
	}
}

func writeTargets(w printf, results []Result) {
	w("\n## Targets\n\n")
	w("Reported, not asserted.\n\n| target | met | numbers |\n|---|---|---|\n")
	for _, t := range Targets(results) {
		met := "yes"
		if !t.Met {
			met = "**no**"
		}
		if t.NA {
			met = "n/a"
		}
		w("| %s | %s | %s |\n", t.Name, met, t.Numbers)
	}
}

func writeWhereTimeGoes(w printf, results []Result) {
	w("\n## What was found\n\n")
	w("### Where the time goes (measured)\n\n")
	w("From the provider's INFO log: *before / during / after*: seconds from the command's start to the first " +
		"`ApplyResourceChange` the provider logged (Terraform's refresh and plan, provider start-ups), from there to the last " +
		"one's last line, and from there to the command's exit. *Slots busy*: the apply calls' summed time / (min(N, P) × the " +
		"window): below 100%% Terraform left slots idle between calls. *Apply call*: one card's create, update or delete, " +
		"first to last log line. *Waits*: `card settled … elapsed_ms`, by the statuses waited for. *Not settled at first " +
		"look*: waits that logged `waiting for card`. *Retries*: `retrying cards API request` (429s and others) and the time " +
		"they waited. *CPU*: Terraform with its plugins, the provider processes alone, the sandbox, and processes that were " +
		"none of ours (other load on the machine).\n\n")
	w("| case | phase | wall s | before / during / after the apply calls s | slots busy | apply call p50 / p90 / max ms | waits p50 / p90 / max ms (target ×count) | not settled at first look | retries (wait s) | CPU s: TF+plugins / provider / sandbox / other | TF peak RSS MB |\n")
	w("|---|---|---:|---|---:|---|---|---:|---|---|---:|\n")
	for _, r := range results {
		lc := logColumnsOf(r)
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f / %.1f / %.1f / %.1f | %.0f |\n", caseLabel(r), r.Phase,
			secs(r.WallSeconds), lc.window, lc.slots, lc.calls, lc.waits, lc.announced, lc.retries, r.TerraformCPUSeconds,
			r.ProviderCPUSeconds, r.SandboxCPUSeconds, r.OtherCPUSeconds, r.TerraformPeakRSSMB)
	}
}

// logColumns are the cells of "Where the time goes" that come from the provider's log ("–"
// without one).
type logColumns struct{ window, slots, calls, waits, announced, retries string }

func logColumnsOf(r Result) logColumns {
	lc := logColumns{"–", "–", "–", "–", "–", "–"}
	l := r.ProviderLogSummary
	if l == nil {
		return lc
	}
	var parts []string
	for _, wt := range l.Waits {
		parts = append(parts, fmt.Sprintf("%d / %d / %d (%s ×%d)", wt.P50MS, wt.P90MS, wt.MaxMS, wt.Target, wt.Count))
	}
	if len(parts) > 0 {
		lc.waits = strings.Join(parts, "; ")
	}
	lc.announced = strconv.Itoa(l.Announced)
	lc.retries = "0"
	if l.Retries > 0 {
		lc.retries = fmt.Sprintf("%s (%.1f)", reasonList(l.RetryReasons), float64(l.RetryWaitMS)/1000)
	}
	if l.ApplyRPCs > 0 {
		lc.window = fmt.Sprintf("%.1f / %.1f / %.1f", r.BeforeApplySeconds, r.ApplyWindowSeconds, r.AfterApplySeconds)
		lc.slots = fmt.Sprintf("%.0f%%", 100*r.SlotUse)
		lc.calls = fmt.Sprintf("%d / %d / %d", l.RPCP50MS, l.RPCP90MS, l.RPCMaxMS)
	}
	return lc
}

func writeObservations(w printf, rep *Report) {
	w("\n### Observations (derived from the numbers above by the harness)\n\n")
	for _, o := range Observations(rep) {
		w("* %s\n", o)
	}
}

// writeNotes writes the hand-written notes between their markers, which WriteMarkdown finds
// again.
func writeNotes(w printf, notes string) {
	w("\n### Notes\n\n%s\n", notesBegin)
	if notes != "" {
		w("%s\n", notes)
	} else {
		w("(none yet)\n")
	}
	w("%s\n", notesEnd)
}

func loadRange(results []Result) (lo, hi string, other float64) {
	minV, maxV := math.Inf(1), math.Inf(-1)
	for _, r := range results {
		other += r.OtherCPUSeconds + r.FloorOtherCPU
		if v, err := strconv.ParseFloat(r.LoadAverage, 64); err == nil {
			minV, maxV = math.Min(minV, v), math.Max(maxV, v)
		}
	}
	if math.IsInf(minV, 1) {
		return "?", "?", other
	}
	return strconv.FormatFloat(minV, 'f', 2, 64), strconv.FormatFloat(maxV, 'f', 2, 64), other
}

// Target is one of the goals as met or not by a run.
type Target struct {
	Name    string
	Met     bool
	NA      bool // no result measures it
	Numbers string
}

// Targets judges the goals against the results.
func Targets(results []Result) []Target {
	rules := targetRules()
	out := make([]Target, 0, len(rules))
	for _, rule := range rules {
		out = append(out, rule.judge(results))
	}
	return out
}

// targetRule is one of the goals: the results it applies to, when one meets it, and
// the number that shows it.
type targetRule struct {
	name string
	// anyPhase: judged on the numbers alone; otherwise a phase that failed misses the target
	// whatever its numbers.
	anyPhase bool
	applies  func(Result) bool
	ok       func(Result) bool
	show     func(Result) string
}

// targetRules are the goals, in the order the report lists them.
func targetRules() []targetRule {
	inPhase := func(ph Phase) func(Result) bool { return func(r Result) bool { return r.Phase == ph } }
	apiPhases := []Phase{PhaseCreate, PhaseUpdate, PhaseDestroy}
	var rules []targetRule
	for _, ph := range apiPhases {
		rules = append(rules, targetRule{name: fmt.Sprintf("%s: ratio ≤ %.1f", ph, TargetRatio), applies: inPhase(ph),
			ok: func(r Result) bool { return r.Ratio > 0 && r.Ratio <= TargetRatio },
			show: func(r Result) string {
				if r.OracleRatio > 0 && r.oracleHadTheRateLimit() {
					return fmt.Sprintf("%.2f (the oracle's %.2f)", r.Ratio, r.OracleRatio)
				}
				return fmt.Sprintf("%.2f", r.Ratio)
			}})
	}
	for _, ph := range apiPhases {
		rules = append(rules, targetRule{name: fmt.Sprintf("%s: wall ≤ %.1f × best (max of ideal and oracle)", ph, TargetRatio),
			applies: func(r Result) bool { return r.Phase == ph && r.OracleSeconds > 0 },
			ok:      func(r Result) bool { return r.RatioToBest > 0 && r.RatioToBest <= TargetRatio },
			show:    func(r Result) string { return fmt.Sprintf("%.2f×", r.RatioToBest) }})
	}
	// With a rate limit, N/R alone is longer than the floor: the refresh is judged against that.
	refreshRatio := func(r Result) float64 {
		if r.RateLimit > 0 {
			return r.Ratio
		}
		return r.RatioToFloor
	}
	rules = append(rules, targetRule{name: fmt.Sprintf("refresh: wall ≤ %.1f × floor (with a rate limit: × ideal, N / R)", TargetRefreshFloor),
		applies: inPhase(PhaseRefresh),
		ok:      func(r Result) bool { return refreshRatio(r) > 0 && refreshRatio(r) <= TargetRefreshFloor },
		show:    func(r Result) string { return fmt.Sprintf("%.2f×", refreshRatio(r)) }})
	for _, ph := range apiPhases {
		rules = append(rules, targetRule{name: fmt.Sprintf("%s: requests per card ≤ %g", ph, TargetRequestsPerCard),
			applies: inPhase(ph), ok: func(r Result) bool { return r.RequestsPerCard <= TargetRequestsPerCard }, show: reqPerCard})
	}
	return append(rules,
		targetRule{name: "refresh: requests per card = 1", applies: inPhase(PhaseRefresh),
			ok: func(r Result) bool { return r.RequestsPerCard <= TargetRefreshPerCard }, show: reqPerCard},
		targetRule{name: fmt.Sprintf("R = %g: no 429 surfaces as an error (every phase succeeds)", TargetThrottledErrorsR),
			anyPhase: true, applies: func(r Result) bool { return r.RateLimit == TargetThrottledErrorsR },
			ok: func(r Result) bool { return r.OK && r.ThrottledErrors == 0 }, show: throttledNumbers},
		targetRule{name: fmt.Sprintf("peak provider RSS < %.0f MB at N = %d", TargetPeakRSSMB, TargetPeakRSSAtN),
			anyPhase: true, applies: func(r Result) bool { return r.N == TargetPeakRSSAtN },
			ok:   func(r Result) bool { return r.PeakRSSMB > 0 && r.PeakRSSMB < TargetPeakRSSMB },
			show: func(r Result) string { return fmt.Sprintf("%s %.0f MB", r.Phase, r.PeakRSSMB) }},
	)
}

// judge applies the rule to every result it applies to.
func (rule targetRule) judge(results []Result) Target {
	t := Target{Name: rule.name, Met: true}
	var misses, all []string
	for _, r := range results {
		if !rule.applies(r) {
			continue
		}
		failed := !rule.anyPhase && !r.OK
		shown := rule.show(r)
		if failed {
			shown += " (phase failed)"
		}
		all = append(all, fmt.Sprintf("%s %s", caseLabel(r), shown))
		if !rule.ok(r) || failed {
			t.Met = false
			misses = append(misses, fmt.Sprintf("%s %s", caseLabel(r), shown))
		}
	}
	switch {
	case len(all) == 0:
		t.NA, t.Numbers = true, "not measured"
	case t.Met:
		t.Numbers = "all " + strconv.Itoa(len(all)) + ": " + strings.Join(all, "; ")
	default:
		t.Numbers = fmt.Sprintf("%d of %d missed: %s", len(misses), len(all), strings.Join(misses, "; "))
	}
	return t
}

func throttledNumbers(r Result) string {
	s := fmt.Sprintf("%s: %d×429", r.Phase, r.Throttled)
	if !r.OK {
		s += fmt.Sprintf(", failed (%s)", strings.Join(r.Errors, " / "))
	}
	return s
}

func reqPerCard(r Result) string {
	s := fmt.Sprintf("%.2f", r.RequestsPerCard)
	if r.Throttled > 0 {
		s += fmt.Sprintf(" (%.2f without 429s)", r.AcceptedRequestsPerCard)
	}
	return s
}

// Observations are findings the harness can state from the numbers alone: one per failed
// phase, one per create, update and destroy, one per refresh, and the CPU used in all.
func Observations(rep *Report) []string {
	var out []string
	for _, r := range rep.Results {
		switch {
		case !r.OK:
			out = append(out, failedObservation(r))
		case r.Phase != PhaseRefresh:
			out = append(out, phaseObservation(r))
		}
	}
	for _, r := range rep.Results {
		if r.Phase != PhaseRefresh || !r.OK {
			continue
		}
		out = append(out, fmt.Sprintf("%s refresh: %.1f s, %.2f× the floor of %.1f s; %.2f requests per card (%s) on %d connections.%s%s",
			caseLabel(r), r.WallSeconds, r.RatioToFloor, r.FloorSeconds, r.RequestsPerCard, requestList(r.Requests),
			r.ConnectionsOpened, runsNote(r), refreshCPU(r, rep.Machine.CPUs)))
	}
	if cpu := cpuObservation(rep); cpu != "" {
		out = append(out, cpu)
	}
	return out
}

func failedObservation(r Result) string {
	line := fmt.Sprintf("%s %s **failed** (exit %d) after %.1f s: %s.", caseLabel(r), r.Phase, r.ExitCode, r.WallSeconds,
		strings.Join(r.Errors, "; "))
	if l := r.ProviderLogSummary; l != nil && l.Retries > 0 {
		line += fmt.Sprintf(" The provider retried %d requests (%s), waiting %.1f s in all; the sandbox answered %d requests 429.",
			l.Retries, reasonList(l.RetryReasons), float64(l.RetryWaitMS)/1000, r.Throttled)
	}
	return line + " Its times are not comparable with the ideal."
}

// phaseObservation compares a create, update or destroy with its ideal and says where the
// time went.
func phaseObservation(r Result) string {
	bound := "the platform"
	if r.FloorSeconds > r.PlatformSeconds {
		bound = "Terraform's floor"
	}
	over := r.WallSeconds - r.IdealSeconds
	line := fmt.Sprintf("%s %s: %.1f s against an ideal of %.1f s set by %s (platform %.1f s, floor %.1f s): %+.1f s, ratio %.2f.",
		caseLabel(r), r.Phase, r.WallSeconds, r.IdealSeconds, bound, r.PlatformSeconds, r.FloorSeconds, over, r.Ratio)
	if l := r.ProviderLogSummary; l != nil {
		line += providerLogObservation(r, l)
	}
	if r.FloorBeforeApplySeconds > 0 || r.FloorAfterApplySeconds > 0 {
		line += fmt.Sprintf(" With the no-op provider Terraform took %.1f s before its first apply call and %.1f s after its last.",
			r.FloorBeforeApplySeconds, r.FloorAfterApplySeconds)
	}
	switch {
	case r.OracleSeconds > 0 && r.oracleHadTheRateLimit():
		paced := ""
		if r.RateLimit > 0 {
			paced = " and pacing itself to its rate limit"
		}
		line += fmt.Sprintf(" The oracle, a provider taking exactly the platform's time%s, took %.1f s (ratio %.2f): the wall "+
			"is %.2f× the best possible, %.1f s.", paced, r.OracleSeconds, r.OracleRatio, r.RatioToBest, r.BestSeconds)
	case r.OracleSeconds > 0:
		line += fmt.Sprintf(" The oracle, a provider taking exactly the platform's time without its rate limit, took %.1f s: "+
			"the wall is %.2f× the best possible, %.1f s.", r.OracleSeconds, r.RatioToBest, r.BestSeconds)
	}
	if extra := r.RequestsPerCard - float64(r.MinimalRequestsPerCard); extra > 0.05 {
		line += fmt.Sprintf(" %.2f requests per card more than the minimum of %d (%s).", extra, r.MinimalRequestsPerCard,
			requestList(r.Requests))
	}
	return line + fmt.Sprintf(" The sandbox accepted %d connections.", r.ConnectionsOpened)
}

// providerLogObservation is what the provider's log says of a phase: the apply calls, the
// waits on the critical path, the retries.
func providerLogObservation(r Result, l *LogStats) string {
	line := ""
	if l.ApplyRPCs > 0 {
		line += fmt.Sprintf(" %.1f s passed before the first apply call (Terraform's refresh and plan, provider start-ups); "+
			"the %d calls then took %.1f s with the slots %.0f%% busy (a call: p50 %d ms, p90 %d ms, max %d ms), and %.1f s "+
			"followed the last.", r.BeforeApplySeconds, l.ApplyRPCs, r.ApplyWindowSeconds, 100*r.SlotUse, l.RPCP50MS,
			l.RPCP90MS, l.RPCMaxMS, r.AfterApplySeconds)
	}
	if wt, ok := l.Wait(settleTarget(r.Phase)); ok && r.TaskDelayMS > 0 {
		line += fmt.Sprintf(" Waits for %s settled at p50 %d ms, p90 %d ms, max %d ms (task delay %d ms): the median wait "+
			"overshot the platform by %d ms.", wt.Target, wt.P50MS, wt.P90MS, wt.MaxMS, r.TaskDelayMS, wt.P50MS-r.TaskDelayMS)
	}
	if l.Retries > 0 {
		line += fmt.Sprintf(" %d retries waited %.1f s in all.", l.Retries, float64(l.RetryWaitMS)/1000)
	}
	return line
}

// runsNote names every run's wall time of a phase measured more than once ("" when it ran
// once).
func runsNote(r Result) string {
	if len(r.WallSecondsOfRuns) < 2 {
		return ""
	}
	list := func(v []float64) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprintf("%.2f", x)
		}
		return strings.Join(parts, ", ")
	}
	line := fmt.Sprintf(" Each time is the median of %d runs: %s s", len(r.WallSecondsOfRuns), list(r.WallSecondsOfRuns))
	if len(r.FloorSecondsOfRuns) > 1 {
		line += fmt.Sprintf("; the floor's %s s", list(r.FloorSecondsOfRuns))
	}
	if len(r.OracleSecondsOfRuns) > 1 {
		line += fmt.Sprintf("; the oracle's %s s", list(r.OracleSecondsOfRuns))
	}
	return line + "."
}

// refreshCPU compares a refresh's CPU with the floor's: on a machine this small a refresh is
// bound by CPU, and the provider's share is what it can change.
func refreshCPU(r Result, cpus int) string {
	if r.FloorCPUSeconds <= 0 || cpus <= 0 {
		return ""
	}
	ours := r.TerraformCPUSeconds + r.SandboxCPUSeconds
	return fmt.Sprintf(" CPU: Terraform with the provider %.1f s (the provider %.1f s) and the sandbox %.1f s, which alone need "+
		"%.1f s of wall time on %d cores; the floor's Terraform with the no-op provider %.1f s (the no-op provider %.1f s).",
		r.TerraformCPUSeconds, r.ProviderCPUSeconds, r.SandboxCPUSeconds, ours/float64(cpus), cpus, r.FloorCPUSeconds,
		r.FloorProviderCPUSeconds)
}

// cpuObservation is the CPU our processes and others used over all phases ("" when nothing
// ran).
func cpuObservation(rep *Report) string {
	var busy, wall, other float64
	for _, r := range rep.Results {
		busy += r.TerraformCPUSeconds + r.SandboxCPUSeconds
		wall += r.WallSeconds
		other += r.OtherCPUSeconds
	}
	if wall <= 0 {
		return ""
	}
	return fmt.Sprintf("Over all phases Terraform, the provider and the sandbox used %.0f CPU-seconds in %.0f s of wall "+
		"time: %.2f of %d cores on average. Processes that were none of ours used %.0f CPU-seconds meanwhile.",
		busy, wall, busy/wall, rep.Machine.CPUs, other)
}

// settleTarget is the target of the wait on a phase's critical path, as the provider logs it.
func settleTarget(ph Phase) string {
	switch ph {
	case PhaseCreate:
		return "AwaitingBinding,Active"
	case PhaseUpdate:
		return "Frozen"
	case PhaseDestroy:
		return "Cancelled"
	}
	return ""
}

// summaryTable is a plain-text table of the results, for test logs.
func summaryTable(results []Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %-8s %8s %8s %8s %8s %6s %8s %6s %9s %6s %8s %s\n", "CASE", "PHASE", "WALL", "FLOOR", "PLATFORM",
		"IDEAL", "RATIO", "ORACLE", "×BEST", "REQ/CARD", "429s", "RSS MB", "STATUS")
	for _, r := range results {
		fmt.Fprintf(&b, "%-22s %-8s %8.2f %8.2f %8.2f %8.2f %6.2f %8.2f %6.2f %9.2f %6d %8.1f %s\n", caseLabel(r), r.Phase,
			r.WallSeconds, r.FloorSeconds, r.PlatformSeconds, r.IdealSeconds, r.Ratio, r.OracleSeconds, r.RatioToBest,
			r.RequestsPerCard, r.Throttled, r.PeakRSSMB, status(r))
	}
	return b.String()
}

// oracleCell is "5.04 (1.23)": the oracle's seconds and its ratio ("–" without an oracle);
// with a rate limit the oracle did not have, its ratio is not one to compare.
func oracleCell(r Result) string {
	switch {
	case r.OracleSeconds <= 0:
		return "–"
	case !r.oracleHadTheRateLimit():
		return secs(r.OracleSeconds) + " (no R)"
	}
	return fmt.Sprintf("%s (%.2f)", secs(r.OracleSeconds), r.OracleRatio)
}

// oracleHadTheRateLimit: the oracle paced itself to the case's rate limit, or neither had one.
// (The oracles of earlier runs had none; their results have no oracle_rate_limit.)
func (r Result) oracleHadTheRateLimit() bool { return r.OracleRateLimit == r.RateLimit }

func ratioCell(v float64) string {
	if v <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

func reasonList(reasons map[string]int) string {
	var rs []string
	for reason, n := range reasons {
		rs = append(rs, fmt.Sprintf("%d× %s", n, reason))
	}
	sort.Strings(rs)
	return strings.Join(rs, ", ")
}
