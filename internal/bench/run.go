package bench

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// Suite is a set of cases run with the same sandbox settings.
type Suite struct {
	Name     string // full, quick, smoke: the directory under .tmp/bench
	Settings Settings
	Cases    []Case
	// OracleRateLimitUpToN: the oracle of a case with a rate limit paces itself to it only
	// up to this N (0: at every N); beyond, its oracle is the one without the rate limit.
	OracleRateLimitUpToN int
}

// IssueSettings are issue #12's: -task-delay 2s -latency 20ms.
var IssueSettings = Settings{Latency: 20 * time.Millisecond, TaskDelay: 2 * time.Second}

// FullSuite is `make bench`: N = 100 at P = 10 and 50, N = 1000 at P = 50, each without a
// platform rate limit and at R = 50.
func FullSuite() Suite {
	var cases []Case
	for _, np := range [][2]int{{100, 10}, {100, 50}, {1000, 50}} {
		for _, r := range []float64{0, 50} {
			cases = append(cases, Case{N: np[0], P: np[1], RateLimit: r})
		}
	}
	// The paced oracle of N = 1000 P = 50 R = 50 would add about 4 minutes, past the 20 the
	// issue allows make bench; there the ideal's N × requests / R is longer than the
	// unpaced oracle anyway. make bench-cases CASES=1000/50/50 measures it.
	return Suite{Name: "full", Settings: IssueSettings, Cases: cases, OracleRateLimitUpToN: 100}
}

// ProfileSuite is CARDS_BENCH=profile: N = 1000, P = 50, no rate limit, with the provider's
// CPU profiles.
func ProfileSuite() Suite {
	return Suite{Name: "profile", Settings: IssueSettings, Cases: []Case{{N: 1000, P: 50}}}
}

// CasesSuite is CARDS_BENCH=cases: the cases listed as "N/P/R" (R = 0: no platform rate
// limit), comma-separated, e.g. "100/50/50,1000/50/0" — one case of the full suite again
// without its other 11 minutes.
func CasesSuite(list string) (Suite, error) {
	var cases []Case
	for _, item := range strings.Split(list, ",") {
		c, err := parseCase(strings.TrimSpace(item))
		if err != nil {
			return Suite{}, fmt.Errorf("case %q: want N/P/R, e.g. 100/50/50 (N, P ≥ 1; R ≥ 0, 0 = no limit)", item)
		}
		cases = append(cases, c)
	}
	return Suite{Name: "cases", Settings: IssueSettings, Cases: cases}, nil
}

// parseCase reads "N/P/R".
func parseCase(s string) (Case, error) {
	fields := strings.Split(s, "/")
	if len(fields) != 3 {
		return Case{}, errors.New("not three fields")
	}
	n, errN := strconv.Atoi(fields[0])
	p, errP := strconv.Atoi(fields[1])
	r, errR := strconv.ParseFloat(fields[2], 64)
	if err := errors.Join(errN, errP, errR); err != nil {
		return Case{}, err
	}
	if n < 1 || p < 1 || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return Case{}, errors.New("out of range")
	}
	return Case{N: n, P: p, RateLimit: r}, nil
}

// QuickSuite is `make bench-quick`: N = 100, P = 10, no rate limit.
func QuickSuite() Suite {
	return Suite{Name: "quick", Settings: IssueSettings, Cases: []Case{{N: 100, P: 10}}}
}

// SmokeSuite is `make bench-smoke`: five cards, a short task delay, the platform's rate limit
// (so the oracle paces itself to it too); nothing timed is asserted.
func SmokeSuite() Suite {
	return Suite{Name: "smoke", Settings: Settings{Latency: 20 * time.Millisecond, TaskDelay: 300 * time.Millisecond},
		Cases: []Case{{N: 5, P: 5, RateLimit: 50}}}
}

// Result is one phase of one case: a row of results.json.
type Result struct {
	Phase       Phase   `json:"phase"`
	N           int     `json:"n"`
	Parallelism int     `json:"parallelism"`
	RateLimit   float64 `json:"rate_limit"` // requests per second; 0 = none
	LatencyMS   int64   `json:"latency_ms"`
	TaskDelayMS int64   `json:"task_delay_ms"`

	WallSeconds float64 `json:"wall_seconds"` // of the run of median wall time when measured more than once
	// Every run's wall time, floor and oracle, in the order run, for a phase measured more than
	// once (refresh, refreshRuns times); the run of median wall time is the one reported.
	WallSecondsOfRuns   []float64 `json:"wall_seconds_of_runs,omitempty"`
	FloorSecondsOfRuns  []float64 `json:"floor_seconds_of_runs,omitempty"`
	OracleSecondsOfRuns []float64 `json:"oracle_seconds_of_runs,omitempty"`
	IdealSeconds        float64   `json:"ideal_seconds"`    // max(platform_seconds, floor_seconds)
	FloorSeconds        float64   `json:"floor_seconds"`    // the same phase with the no-op provider
	PlatformSeconds     float64   `json:"platform_seconds"` // ⌈N/P⌉ × critical path, or minimal requests / R
	Ratio               float64   `json:"ratio"`            // wall / ideal
	RatioToFloor        float64   `json:"ratio_to_floor"`   // wall / floor

	RequestsPerCard         float64        `json:"requests_per_card"`          // every request the sandbox received / N
	AcceptedRequestsPerCard float64        `json:"accepted_requests_per_card"` // the same without the 429s
	MinimalRequestsPerCard  int            `json:"minimal_requests_per_card"`
	Requests                map[string]int `json:"requests"`  // per operation, 429s included
	Throttled               int            `json:"throttled"` // 429s of the platform's rate limit (Op.ratelimited)
	ThrottledErrors         int            `json:"throttled_errors"`
	Counters                map[string]int `json:"counters"` // every sandbox counter of the phase
	// TCP connections the sandbox accepted in the phase (its counter connections.opened; the
	// harness's control requests reuse one opened before): with connections reused, about P
	// per provider process that sends requests.
	ConnectionsOpened int `json:"connections_opened"`

	PeakRSSMB           float64 `json:"peak_rss_mb"` // the provider process's peak resident set
	ProviderProcesses   int     `json:"provider_processes"`
	ProviderCPUSeconds  float64 `json:"provider_cpu_seconds"`
	TerraformPeakRSSMB  float64 `json:"terraform_peak_rss_mb"`
	TerraformCPUSeconds float64 `json:"terraform_cpu_seconds"` // Terraform and the plugins it waited for
	SandboxCPUSeconds   float64 `json:"sandbox_cpu_seconds"`
	OtherCPUSeconds     float64 `json:"other_cpu_seconds"` // the machine's busy time that was none of ours
	LoadAverage         string  `json:"load_average_1m"`   // when the phase began

	FloorCPUSeconds         float64 `json:"floor_terraform_cpu_seconds"`
	FloorProviderCPUSeconds float64 `json:"floor_provider_cpu_seconds"` // the no-op provider's share of it
	FloorPeakRSSMB          float64 `json:"floor_peak_rss_mb"`
	FloorOtherCPU           float64 `json:"floor_other_cpu_seconds"`
	FloorTerraformRSS       float64 `json:"floor_terraform_peak_rss_mb"`
	FloorOK                 bool    `json:"floor_ok"`
	// The floor's seconds before its first and after its last apply call: Terraform's own
	// refresh, plan and start-up, which no provider can overlap with its work.
	FloorBeforeApplySeconds float64 `json:"floor_before_apply_seconds,omitempty"`
	FloorAfterApplySeconds  float64 `json:"floor_after_apply_seconds,omitempty"`
	FloorLog                string  `json:"floor_log"`
	// The oracle: the same phase with the no-op provider taking exactly the platform's time
	// in each call (OracleApplyRequests), paced to the rate limit when the case has one — the
	// best any provider could do under Terraform here.
	// The ideal counts Terraform's time only where it is longer than the platform's; the
	// oracle also has it where it comes before, after and between the platform's waves.
	OracleSeconds      float64   `json:"oracle_seconds,omitempty"`
	OracleRateLimit    float64   `json:"oracle_rate_limit,omitempty"` // the rate limit the oracle paced itself to (0: none)
	OracleRatio        float64   `json:"oracle_ratio,omitempty"`      // oracle / ideal: the ratio of a perfect provider
	BestSeconds        float64   `json:"best_seconds,omitempty"`      // max(ideal, oracle)
	RatioToBest        float64   `json:"ratio_to_best,omitempty"`     // wall / best
	OracleOK           bool      `json:"oracle_ok"`
	OracleLog          string    `json:"oracle_log,omitempty"`
	ProviderLogSummary *LogStats `json:"provider_log,omitempty"`

	// From the provider's log: the seconds before the first ApplyResourceChange (Terraform's
	// refresh and plan, provider start-ups), the window of ApplyResourceChange calls, the
	// seconds after the last; and how busy the P slots were during the window (the calls'
	// summed time / (min(P, N) × window)).
	BeforeApplySeconds float64 `json:"before_apply_seconds,omitempty"`
	ApplyWindowSeconds float64 `json:"apply_window_seconds,omitempty"`
	AfterApplySeconds  float64 `json:"after_apply_seconds,omitempty"`
	SlotUse            float64 `json:"slot_use,omitempty"`

	OK           bool     `json:"ok"` // exit 0, and for refresh an empty plan
	ExitCode     int      `json:"exit_code"`
	PlanEmpty    *bool    `json:"plan_empty,omitempty"`
	SandboxCards string   `json:"sandbox_cards"` // the sandbox's cards by status after the phase
	CardsOK      bool     `json:"cards_ok"`      // exactly N cards, all in the phase's expected status
	Errors       []string `json:"errors,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
	Log          string   `json:"log"`
	CPUProfile   string   `json:"cpu_profile,omitempty"` // go tool pprof -top of the provider (CARDS_BENCH=profile)
}

// phaseRun is one Terraform command as run and measured.
type phaseRun struct {
	phase      Phase
	wall       time.Duration
	started    time.Time
	exit       int
	killed     bool
	stdout     string
	stderrPath string
	sample     Sample
	tfCPU      float64
	sandboxCPU float64
	otherCPU   float64
	load       string
	errs       map[string]int
	warns      map[string]int
	problem    string // the command could not be run or was killed
	profileTop string // go tool pprof -top of the provider's CPU profiles (Env.Profile)

	beforeApply, afterApply time.Duration // the floor's, from the no-op provider's log

	counters map[string]int  // the sandbox's counters of this run (nil for the no-op provider)
	walls    []time.Duration // every run's wall time when the phase was measured more than once
}

// refreshRuns is how many times a refresh is measured; the run of median wall time is the
// one reported. A refresh is the shortest phase (under a second at N = 100) and the only one
// that can run again without changing what the next phase starts from, and a single run of it
// moved by a third between runs of the whole benchmark. The other phases run once.
const refreshRuns = 3

// runsOf is how many times phase ph is measured.
func runsOf(ph Phase) int {
	if ph == PhaseRefresh {
		return refreshRuns
	}
	return 1
}

// medianOf returns, of the runs of one phase (in the order made), the run of median wall
// time with every run's wall time, or the last run when it failed: the runs stop at the first
// that fails, and a run that failed is never hidden behind one that did not.
func medianOf(runs []phaseRun) phaseRun {
	if last := runs[len(runs)-1]; !last.ok() {
		return last
	}
	walls := make([]time.Duration, len(runs))
	for i, r := range runs {
		walls[i] = r.wall
	}
	sorted := slices.SortedStableFunc(slices.Values(runs), func(a, b phaseRun) int { return cmp.Compare(a.wall, b.wall) })
	median := sorted[len(sorted)/2]
	if len(walls) > 1 {
		median.walls = walls
	}
	return median
}

// ok is exit 0, and for refresh exit 0 of -detailed-exitcode: no changes.
func (r phaseRun) ok() bool { return r.problem == "" && r.exit == 0 }

func phaseArgs(ph Phase, parallelism int) []string {
	p := "-parallelism=" + strconv.Itoa(parallelism)
	switch ph {
	case PhaseRefresh:
		return []string{"plan", "-detailed-exitcode", "-input=false", "-no-color", p}
	case PhaseDestroy:
		return []string{"destroy", "-auto-approve", "-input=false", "-no-color", p}
	default:
		return []string{"apply", "-auto-approve", "-input=false", "-no-color", p}
	}
}

// frozenIn says whether the configuration of a phase has frozen = true (update and after).
func frozenIn(ph Phase) bool { return ph == PhaseUpdate || ph == PhaseDestroy }

func cardsConfig(n int, frozen bool, apiURL, keyFile string) string {
	return fmt.Sprintf(`# Written by internal/bench.
terraform {
  required_providers {
    cards = { source = "arthawork/cards" }
  }
}

# No requests_per_second: the provider's default, a rate that adapts to the platform.
provider "cards" {
  base_url       = %q
  customer_token = %q
  private_key    = file(%q)
}

resource "cards_card" "c" {
  count      = %d
  program_id = %q
  frozen     = %t
}
`, apiURL, sandbox.DefaultCustomerToken, keyFile, n, sandbox.ProgramVirtual, frozen)
}

func noopConfig(n int, frozen bool) string {
	return fmt.Sprintf(`# Written by internal/bench: Terraform's floor (cards_card's schema, no provider behind it).
terraform {
  required_providers {
    noop = { source = "bench/noop" }
  }
}

resource "noop_card" "c" {
  count      = %d
  program_id = %q
  frozen     = %t
}
`, n, sandbox.ProgramVirtual, frozen)
}

// terraform runs one phase's command in dir, with env added to the environment, and measures
// it; sb (nil for the no-op provider) is the sandbox whose CPU time is the platform's share.
// attempt numbers the runs of a phase measured more than once (runsOf): the second and later
// write their files with the number.
func (e *Env) terraform(dir string, ph Phase, attempt, parallelism int, exe string, env []string, sb *harness.Sandbox) phaseRun {
	name := string(ph)
	if attempt > 1 {
		name += "-" + strconv.Itoa(attempt)
	}
	r := phaseRun{phase: ph, exit: -1, stderrPath: filepath.Join(dir, name+".log")}
	cmd := harness.TerraformCmd{Dir: filepath.Join(dir, "work"), Args: phaseArgs(ph, parallelism), Env: append(e.env(), env...),
		Log: filepath.Join(dir, name+".out"), ErrLog: r.stderrPath, What: "terraform " + name}
	profileDir := ""
	if e.Profile && exe == providerExe {
		profileDir = filepath.Join(dir, "pprof-"+name)
		if err := harness.MkdirAll(profileDir); err != nil {
			r.problem = err.Error()
			return r
		}
		cmd.Env = append(cmd.Env, "CARDS_BENCH_CPUPROFILE_DIR="+profileDir)
	}

	e.waitQuiet(fmt.Sprintf("%s %s", filepath.Base(dir), ph))
	r.load = harness.LoadAverage()
	cpu := startCPUWatch(sb)
	run, err := e.StartTerraform(cmd)
	if err != nil {
		r.problem = "starting terraform: " + err.Error()
		return r
	}
	r.started = run.Started
	smp := startSampler(run.Child.PID(), exe, e.SampleInterval)
	if !run.Wait(e.CommandTimeout) {
		r.problem = fmt.Sprintf("still running after %s: killed", e.CommandTimeout)
		r.killed = true
	}
	r.wall = run.Took
	r.sample = smp.finish()
	if left := run.Finish(); left > 0 && r.problem == "" {
		r.problem = fmt.Sprintf("%d process(es) of terraform's group still ran after it exited: killed", left)
	}
	r.exit = run.Child.ExitCode()
	r.tfCPU = round(run.Child.CPUSeconds(), 2)
	r.sandboxCPU, r.otherCPU = cpu.stop(r.tfCPU)
	r.stdout = run.Output()
	errText, _ := harness.ReadFile(r.stderrPath)
	r.errs, r.warns = diagnostics(string(errText) + "\n" + r.stdout)
	if profileDir != "" {
		r.profileTop = e.profileTop(profileDir, filepath.Join(dir, name+"-pprof-top.txt"))
	}
	return r
}

// cpuWatch splits the machine's CPU time during a command: the sandbox's, and that of
// processes none of ours (Terraform's own comes from its process state, the harness's is left
// out).
type cpuWatch struct {
	sb     *harness.Sandbox
	busy0  int64
	self0  harness.ProcStat
	sbCPU0 float64
}

func startCPUWatch(sb *harness.Sandbox) cpuWatch {
	w := cpuWatch{sb: sb}
	w.busy0, _ = harness.SystemCPU()
	w.self0, _ = harness.ReadProcStat(os.Getpid())
	w.sbCPU0 = sb.CPUSeconds()
	return w
}

// stop returns the sandbox's CPU seconds and other processes' since the start, given
// Terraform's.
func (w cpuWatch) stop(tfCPU float64) (sandboxCPU, otherCPU float64) {
	sandboxCPU = round(w.sb.CPUSeconds()-w.sbCPU0, 2)
	busy1, _ := harness.SystemCPU()
	self1, _ := harness.ReadProcStat(os.Getpid())
	selfCPU := float64(self1.CPUTicks-w.self0.CPUTicks) / harness.ClockTicks
	otherCPU = round(max(0, float64(busy1-w.busy0)/harness.ClockTicks-tfCPU-sandboxCPU-selfCPU), 2)
	return sandboxCPU, otherCPU
}

// profileTop merges a phase's provider CPU profiles with go tool pprof -top into out, adds
// what the processes allocated, and returns out ("" when there was nothing to merge).
func (e *Env) profileTop(profileDir, out string) string {
	files, _ := filepath.Glob(filepath.Join(profileDir, "*.pprof"))
	if len(files) == 0 {
		return ""
	}
	pprofTop := func(files []string, flags ...string) ([]byte, error) {
		args := append(append([]string{"tool", "pprof", "-top"}, flags...), filepath.Join(e.Bin, providerExe))
		cmd := harness.Command("go", append(args, files...)...)
		cmd.Dir = e.Root
		return cmd.CombinedOutput()
	}
	text, err := pprofTop(files, "-nodecount=40")
	if err != nil {
		text = append(text, []byte("\n"+err.Error())...)
	}
	if more, err := pprofTop(files, "-cum", "-nodecount=40"); err == nil {
		text = append(append(text, []byte("\n--- by cumulative time ---\n")...), more...)
	}
	if allocs, _ := filepath.Glob(filepath.Join(profileDir, "*.allocs")); len(allocs) > 0 {
		if more, err := pprofTop(allocs, "-sample_index=alloc_space", "-nodecount=25"); err == nil {
			text = append(append(text, []byte("\n--- by bytes allocated ---\n")...), more...)
		}
	}
	if harness.WriteFile(out, text) != nil {
		return ""
	}
	return out
}

// floorRun is the no-op provider's lifecycle for one N and P, as it is (the floor) and
// taking the platform's time in each call (the oracle).
type floorRun struct {
	floor, oracle   map[Phase]phaseRun
	oracleRateLimit float64 // the rate limit the oracle was paced to (0: none)
}

// lifecycle is one run of the phases the suite measures in step with others: ours (the cards
// provider against its sandbox), the floor or an oracle (the no-op provider).
type lifecycle struct {
	config func(ph Phase) string                         // the configuration of phase ph
	dir    string                                        // its files, with the working directory dir/work
	run    func(ph Phase, attempt int) (phaseRun, error) // one measured command
	// done takes each phase's reported run (medianOf its runs), before the next phase starts.
	done func(ph Phase, r phaseRun) error
}

// runInStep runs lifecycles phase by phase, one after the other within a phase, and a phase
// measured more than once (refresh) in turns: ours is compared with a floor and an oracle
// measured moments before it, not minutes. The machine's speed drifts: in one run the
// floor's refresh of 1000 cards took 5.0 s, and the oracle's, which does the same and sleeps
// as well, 4.1 s the minute after.
func runInStep(lcs []*lifecycle) error {
	for _, lc := range lcs {
		if err := harness.MkdirAll(filepath.Join(lc.dir, "work")); err != nil {
			return err
		}
	}
	for _, ph := range Phases {
		runs := make([][]phaseRun, len(lcs))
		for _, lc := range lcs {
			if err := harness.WriteFile(filepath.Join(lc.dir, "work", "main.tf"), []byte(lc.config(ph))); err != nil {
				return err
			}
		}
		for attempt := 1; attempt <= runsOf(ph); attempt++ {
			for i, lc := range lcs {
				if attempt > 1 && !runs[i][len(runs[i])-1].ok() {
					continue // a lifecycle's runs stop at the first that fails
				}
				r, err := lc.run(ph, attempt)
				if err != nil {
					return err
				}
				runs[i] = append(runs[i], r)
			}
		}
		for i, lc := range lcs {
			if err := lc.done(ph, medianOf(runs[i])); err != nil {
				return err
			}
		}
	}
	return nil
}

// noopLifecycle is the lifecycle on N no-op resources with -parallelism=P in dir, each phase
// with the environment env gives; each phase's reported run goes into runs.
func (e *Env) noopLifecycle(dir, what string, n, p int, env func(Phase) []string, runs map[Phase]phaseRun) *lifecycle {
	return &lifecycle{
		dir:    dir,
		config: func(ph Phase) string { return noopConfig(n, frozenIn(ph)) },
		run: func(ph Phase, attempt int) (phaseRun, error) {
			return e.terraform(dir, ph, attempt, p, noopExe, env(ph), nil), nil
		},
		done: func(ph Phase, r phaseRun) error {
			if st, ok := providerLogStats(r.stderrPath, noopExe); ok && st.ApplyRPCs > 0 {
				r.beforeApply = st.WindowStart.Sub(r.started)
				r.afterApply = r.started.Add(r.wall).Sub(st.WindowEnd)
			}
			runs[ph] = r
			e.Logf("%s N=%d P=%d %-7s %6.1fs exit %d%s", what, n, p, ph, r.wall.Seconds(), r.exit, problemNote(r))
			return nil
		},
	}
}

// oracleLifecycle is the lifecycle of case c on the no-op provider taking the platform's time
// in each call, in dir; paced to the case's rate limit by bucket when it has one (nil: unpaced).
func (e *Env) oracleLifecycle(dir string, c Case, s Settings, bucket *oracleBucket, runs map[Phase]phaseRun) *lifecycle {
	what := "oracle"
	if bucket != nil {
		what = fmt.Sprintf("oracle R=%g", c.RateLimit)
	}
	return e.noopLifecycle(dir, what, c.N, c.P, func(ph Phase) []string {
		env := []string{"NOOP_LATENCY=" + s.Latency.String(), "NOOP_TASK_DELAY=" + s.TaskDelay.String(),
			fmt.Sprintf("NOOP_APPLY_REQUESTS=%d", OracleApplyRequests(ph))}
		if bucket != nil {
			env = append(env, "NOOP_RATE_BUCKET="+bucket.URL)
		}
		return env
	}, runs)
}

// providerLogStats reads the provider log of a phase's stderr (false when unreadable).
func providerLogStats(stderrPath, exe string) (LogStats, bool) {
	f, err := harness.OpenFile(stderrPath)
	if err != nil {
		return LogStats{}, false
	}
	defer f.Close()
	return readLogStats(f, exe), true
}

func problemNote(r phaseRun) string {
	if r.problem != "" {
		return " (" + r.problem + ")"
	}
	return ""
}

// expectedStatus is the status every card has after a phase.
func expectedStatus(ph Phase) string {
	switch ph {
	case PhaseUpdate:
		return sandbox.CardStatusFrozen
	case PhaseDestroy:
		return sandbox.CardStatusCancelled
	}
	return sandbox.CardStatusActive
}

// runCase runs the cards lifecycle of one case against its own sandbox, in step with the
// no-op lifecycles noops (the floor and oracles measured for this case, if any), and returns a
// result per phase with floor's numbers.
func (e *Env) runCase(dir string, c Case, s Settings, floor *floorRun, noops []*lifecycle) ([]Result, error) {
	if err := harness.MkdirAll(dir); err != nil { // for the sandbox's files; runInStep makes dir/work
		return nil, err
	}
	sb, err := e.startSandbox(dir, c, s)
	if err != nil {
		return nil, err
	}
	defer sb.Stop()
	var results []Result
	ours := &lifecycle{
		dir:    dir,
		config: func(ph Phase) string { return cardsConfig(c.N, frozenIn(ph), sb.APIURL, sb.KeyFile) },
		run: func(ph Phase, attempt int) (phaseRun, error) {
			if err := sb.ResetCounters(); err != nil {
				return phaseRun{}, err
			}
			r := e.terraform(dir, ph, attempt, c.P, providerExe, nil, sb)
			counters, err := sb.Counters()
			r.counters = counters
			return r, err
		},
		done: func(ph Phase, r phaseRun) error {
			res, err := e.phaseResult(ph, c, s, r, sb, floor)
			if err != nil {
				return err
			}
			results = append(results, res)
			return nil
		},
	}
	return results, runInStep(append(noops, ours))
}

// phaseResult is our run r of one phase, with what the sandbox and the provider's log say.
func (e *Env) phaseResult(ph Phase, c Case, s Settings, r phaseRun, sb *harness.Sandbox, floor *floorRun) (Result, error) {
	res := e.result(ph, c, s, r, floor)
	summary, byStatus, total, err := cardStatuses(sb)
	if err != nil {
		return Result{}, err
	}
	res.SandboxCards = summary
	res.CardsOK = total == c.N && byStatus[expectedStatus(ph)] == c.N
	res.Log = harness.RelPath(e.Root, r.stderrPath)
	if r.profileTop != "" {
		res.CPUProfile = harness.RelPath(e.Root, r.profileTop)
	}
	if st, ok := providerLogStats(r.stderrPath, providerExe); ok {
		res.ProviderLogSummary = &st
		addApplyWindow(&res, st, r, c)
	}
	e.Logf("%s %-7s %6.1fs (ideal %5.1fs, floor %5.1fs, ratio %.2f) %.2f req/card, %d×429, peak RSS %.0f MB, %s%s",
		c, ph, res.WallSeconds, res.IdealSeconds, res.FloorSeconds, res.Ratio, res.RequestsPerCard, res.Throttled,
		res.PeakRSSMB, summary, problemNote(r))
	return res, nil
}

// addApplyWindow adds where the phase's time went, from the provider log: before, during and
// after its ApplyResourceChange calls, and how busy the P slots were meanwhile.
func addApplyWindow(res *Result, st LogStats, r phaseRun, c Case) {
	if st.ApplyRPCs == 0 {
		return
	}
	window := st.WindowEnd.Sub(st.WindowStart)
	res.ApplyWindowSeconds = round(window.Seconds(), 2)
	res.BeforeApplySeconds = round(st.WindowStart.Sub(r.started).Seconds(), 2)
	res.AfterApplySeconds = round(r.started.Add(r.wall).Sub(st.WindowEnd).Seconds(), 2)
	if slots := min(c.P, c.N); window > 0 && slots > 0 {
		res.SlotUse = round(float64(st.RPCSumMS)/(float64(slots)*float64(window.Milliseconds())), 3)
	}
}

// result combines a phase's run, the sandbox's counters and the floor into a Result.
func (e *Env) result(ph Phase, c Case, s Settings, r phaseRun, floor *floorRun) Result {
	requests, total, throttled := opCounts(r.counters)
	res := Result{Phase: ph, N: c.N, Parallelism: c.P, RateLimit: c.RateLimit,
		LatencyMS: s.Latency.Milliseconds(), TaskDelayMS: s.TaskDelay.Milliseconds(),
		WallSeconds: round(r.wall.Seconds(), 2), WallSecondsOfRuns: secondsOf(r.walls),
		Requests: requests, Throttled: throttled, Counters: r.counters, ConnectionsOpened: r.counters["connections.opened"],
		PeakRSSMB: r.sample.ProviderPeakMB, ProviderProcesses: r.sample.ProviderProcesses,
		ProviderCPUSeconds: r.sample.ProviderCPUSeconds, TerraformPeakRSSMB: r.sample.TerraformPeakMB,
		TerraformCPUSeconds: r.tfCPU, SandboxCPUSeconds: r.sandboxCPU, OtherCPUSeconds: r.otherCPU,
		LoadAverage: r.load, ExitCode: r.exit, OK: r.ok(),
		Errors: summarize(r.errs, 8), Warnings: summarize(r.warns, 4), ThrottledErrors: throttledErrors(r.errs)}
	if c.N > 0 {
		res.RequestsPerCard = round(float64(total)/float64(c.N), 3)
		res.AcceptedRequestsPerCard = round(float64(total-throttled)/float64(c.N), 3)
	}
	if r.problem != "" {
		res.Errors = append([]string{r.problem}, res.Errors...)
	}
	if ph == PhaseRefresh {
		empty := r.problem == "" && r.exit == 0
		res.PlanEmpty = &empty
	}
	if floor != nil {
		e.addFloor(&res, floor.floor[ph], floor.oracle[ph])
		if res.OracleSeconds > 0 {
			res.OracleRateLimit = floor.oracleRateLimit
		}
	}
	res.deriveFromModel()
	return res
}

// throttledErrors counts the errors that say the platform throttled a request: the 429s the
// provider did not absorb.
func throttledErrors(errs map[string]int) int {
	n := 0
	for text, count := range errs {
		lower := strings.ToLower(text + " ")
		for _, sign := range []string{"429", "throttl", "too many requests", "rate limit"} {
			if strings.Contains(lower, sign) {
				n += count
				break
			}
		}
	}
	return n
}

// addFloor adds the no-op provider's runs of the same phase: the floor and the oracle (either
// may be missing).
func (e *Env) addFloor(res *Result, fr, oracle phaseRun) {
	if oracle.stderrPath != "" {
		res.OracleSeconds = round(oracle.wall.Seconds(), 2)
		res.OracleSecondsOfRuns = secondsOf(oracle.walls)
		res.OracleOK = oracle.ok()
		res.OracleLog = harness.RelPath(e.Root, oracle.stderrPath)
	}
	if fr.stderrPath == "" {
		return
	}
	res.FloorSeconds = round(fr.wall.Seconds(), 2)
	res.FloorSecondsOfRuns = secondsOf(fr.walls)
	res.FloorCPUSeconds = fr.tfCPU
	res.FloorProviderCPUSeconds = fr.sample.ProviderCPUSeconds
	res.FloorPeakRSSMB = fr.sample.ProviderPeakMB
	res.FloorTerraformRSS = fr.sample.TerraformPeakMB
	res.FloorOtherCPU = fr.otherCPU
	res.FloorOK = fr.ok()
	res.FloorBeforeApplySeconds = round(fr.beforeApply.Seconds(), 2)
	res.FloorAfterApplySeconds = round(fr.afterApply.Seconds(), 2)
	res.FloorLog = harness.RelPath(e.Root, fr.stderrPath)
}

// Report is a suite's run: what results.json and BENCHMARKS.md are made of. RunSuite also
// saves it as .tmp/bench/<suite>/report.json, from which CARDS_BENCH=render writes the files
// again.
type Report struct {
	Suite    string        `json:"suite"`
	Command  string        `json:"command"`
	Machine  Machine       `json:"machine"`
	Settings Settings      `json:"settings"`
	Started  time.Time     `json:"started"`
	Took     time.Duration `json:"took_ns"`
	Results  []Result      `json:"results"`
	Problems []string      `json:"problems,omitempty"`
	Waited   time.Duration `json:"waited_ns,omitempty"` // waiting for a quiet machine (Env.QuietWait)
}

// SaveReport writes the report as JSON.
func SaveReport(path string, rep *Report) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := harness.MkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	return harness.WriteFile(path, append(data, '\n'))
}

// LoadReport reads a report SaveReport wrote.
func LoadReport(path string) (*Report, error) {
	data, err := harness.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rep, nil
}

// RunSuite runs every case of the suite, each after the floor of its N and P (measured once
// per N and P, right before the first case that needs it). Problems that stop a case are in
// Report.Problems; the other cases still run.
func (e *Env) RunSuite(s Suite, command string) *Report {
	rep := &Report{Suite: s.Name, Command: command, Machine: e.Machine(), Settings: s.Settings, Started: time.Now()}
	base := filepath.Join(e.Out, s.Name)
	defer func() {
		rep.Took, rep.Waited = time.Since(rep.Started), e.Waited
		if err := SaveReport(filepath.Join(base, "report.json"), rep); err != nil {
			e.Logf("saving the report: %v", err)
		}
	}()
	if err := os.RemoveAll(base); err != nil {
		rep.Problems = append(rep.Problems, err.Error())
		return rep
	}
	floors := map[[2]int]*floorRun{}
	for _, c := range s.Cases {
		// The floor and the unpaced oracle of an N and P are measured with its first case, a
		// paced oracle with its case, each in step with ours (runInStep).
		var bucket *oracleBucket // the paced oracle's platform rate limit, for all its phases
		if c.RateLimit > 0 && (s.OracleRateLimitUpToN == 0 || c.N <= s.OracleRateLimitUpToN) {
			var err error
			if bucket, err = startOracleBucket(c.RateLimit); err != nil {
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v", c, err))
				continue
			}
		}
		var noops []*lifecycle
		key := [2]int{c.N, c.P}
		fl := floors[key]
		if fl == nil {
			fl = &floorRun{floor: map[Phase]phaseRun{}, oracle: map[Phase]phaseRun{}}
			floorDir := filepath.Join(base, fmt.Sprintf("floor-n%d-p%d", c.N, c.P))
			noops = append(noops, e.noopLifecycle(floorDir, "floor", c.N, c.P, func(Phase) []string { return nil }, fl.floor),
				e.oracleLifecycle(filepath.Join(floorDir, "oracle"), Case{N: c.N, P: c.P}, s.Settings, nil, fl.oracle))
			floors[key] = fl
		}
		if bucket != nil {
			fl = &floorRun{floor: fl.floor, oracle: map[Phase]phaseRun{}, oracleRateLimit: c.RateLimit}
			noops = append(noops, e.oracleLifecycle(filepath.Join(base, "oracle-"+c.Name()), c, s.Settings, bucket, fl.oracle))
		}
		results, err := e.runCase(filepath.Join(base, c.Name()), c, s.Settings, fl, noops)
		bucket.Close()
		rep.Results = append(rep.Results, results...)
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v", c, err))
		}
	}
	return rep
}
