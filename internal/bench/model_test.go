package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
)

// These tests need no Terraform: the arithmetic, the parsers and the report.

func TestPlatformBound(t *testing.T) {
	s := IssueSettings // L = 20 ms, D = 2 s
	for _, tc := range []struct {
		ph   Phase
		c    Case
		want time.Duration
	}{
		{PhaseCreate, Case{N: 100, P: 10}, 10 * 2040 * time.Millisecond},
		{PhaseUpdate, Case{N: 100, P: 10}, 10 * 2060 * time.Millisecond},
		// With R = 50 the refresh before the update counts: 3000/50 = 60 s > 20 × 2.06 s.
		{PhaseUpdate, Case{N: 1000, P: 50, RateLimit: 50}, 60 * time.Second},
		{PhaseDestroy, Case{N: 100, P: 10}, 10 * 2060 * time.Millisecond},
		{PhaseRefresh, Case{N: 100, P: 10}, 10 * 20 * time.Millisecond},
		{PhaseCreate, Case{N: 100, P: 50}, 2 * 2040 * time.Millisecond},
		{PhaseCreate, Case{N: 101, P: 50}, 3 * 2040 * time.Millisecond}, // ⌈101/50⌉ = 3
		// With R = 50: the critical path still wins for create (40.8 s > 2000/50 = 40 s) ...
		{PhaseCreate, Case{N: 1000, P: 50, RateLimit: 50}, 20 * 2040 * time.Millisecond},
		// ... the rate wins for destroy (3000/50 = 60 s > 20 × 2.06 s) and refresh (1000/50).
		{PhaseDestroy, Case{N: 1000, P: 50, RateLimit: 50}, 60 * time.Second},
		{PhaseRefresh, Case{N: 1000, P: 50, RateLimit: 50}, 20 * time.Second},
		{PhaseDestroy, Case{N: 100, P: 50, RateLimit: 50}, 6 * time.Second},
	} {
		if got := PlatformBound(tc.ph, tc.c, s); got != tc.want {
			t.Errorf("PlatformBound(%s, %s) = %s, want %s", tc.ph, tc.c, got, tc.want)
		}
	}
	if got := Ideal(20*time.Second, 30*time.Second); got != 30*time.Second {
		t.Errorf("Ideal = %s, want the floor when it is longer", got)
	}
	if got := Ratio(24*time.Second, 20*time.Second); got != 1.2 {
		t.Errorf("Ratio = %v, want 1.2", got)
	}
	if got := Ratio(time.Second, 0); got != 0 {
		t.Errorf("Ratio without an ideal = %v, want 0", got)
	}
}

func TestOracleTakesThePlatformsTime(t *testing.T) {
	for ph, want := range map[Phase]int{
		PhaseCreate:  2, // ApplyCard + the look, with the task between
		PhaseUpdate:  2, // CardFreeze + the look (the refresh read is the oracle's read)
		PhaseDestroy: 2,
		PhaseRefresh: 0,
	} {
		if got := OracleApplyRequests(ph); got != want {
			t.Errorf("OracleApplyRequests(%s) = %d, want %d", ph, got, want)
		}
	}
	// N = 100, P = 50: ideal 4.08 s. An oracle of 5.1 s scores 1.25 by itself, and a wall of
	// 6.12 s is 1.2× the best possible, 5.1 s.
	res := Result{Phase: PhaseCreate, N: 100, Parallelism: 50, LatencyMS: 20, TaskDelayMS: 2000, WallSeconds: 6.12,
		FloorSeconds: 1, OracleSeconds: 5.1}
	res.deriveFromModel()
	if res.IdealSeconds != 4.08 || res.OracleRatio != 1.25 || res.BestSeconds != 5.1 || res.RatioToBest != 1.2 {
		t.Errorf("ideal %v, oracle ratio %v, best %v, ratio to best %v; want 4.08, 1.25, 5.1, 1.2", res.IdealSeconds,
			res.OracleRatio, res.BestSeconds, res.RatioToBest)
	}
	// The ideal can be longer than the oracle (an earlier run's oracle had no rate limit, and
	// the ideal's N × requests / R leaves out the bucket's first R tokens): best = ideal.
	res = Result{Phase: PhaseUpdate, N: 100, Parallelism: 50, RateLimit: 50, LatencyMS: 20, TaskDelayMS: 2000,
		WallSeconds: 7.2, FloorSeconds: 1, OracleSeconds: 5.3}
	res.deriveFromModel()
	if res.IdealSeconds != 6 || res.BestSeconds != 6 || res.RatioToBest != 1.2 {
		t.Errorf("with R: ideal %v, best %v, ratio to best %v; want 6, 6, 1.2", res.IdealSeconds, res.BestSeconds, res.RatioToBest)
	}
}

func TestMinimalTable(t *testing.T) {
	want := map[Phase]int{PhaseCreate: 2, PhaseRefresh: 1, PhaseUpdate: 3, PhaseDestroy: 3}
	for ph, n := range want {
		m := MinimalPerCard[ph]
		if m.Requests != n || m.Latencies != n {
			t.Errorf("%s: %d requests, %d on the critical path; want %d", ph, m.Requests, m.Latencies, n)
		}
		if (m.TaskDelays == 0) != (ph == PhaseRefresh) {
			t.Errorf("%s: %d task delays", ph, m.TaskDelays)
		}
	}
}

const (
	lineApplied = `2026-12-02T00:35:16.967Z [INFO]  provider.terraform-provider-cards: card applied for: tf_provider_addr=registry.terraform.io/arthawork/cards tf_resource_type=cards_card tf_rpc=ApplyResourceChange @module=cards program_id=3f1c2a9e card_id=bbd12a68 tf_req_id=r1`
	lineStart   = `2026-12-02T00:35:16.912Z [INFO]  provider.terraform-provider-cards: create timeout configuration not found, using provided default: @module=cards tf_resource_type=cards_card tf_req_id=r1 tf_rpc=ApplyResourceChange`
	lineSettled = `2026-12-02T00:35:19.374Z [INFO]  provider.terraform-provider-cards: card settled: tf_req_id=r1 tf_rpc=ApplyResourceChange elapsed_ms=2294 id=82e97716 last_status=Active object=card @module=cards target="AwaitingBinding,Active"`
	lineRetry   = `2026-12-02T00:35:18.000Z [WARN]  provider.terraform-provider-cards: retrying cards API request: attempt=1 operation=CardDetails reason="HTTP 429" retry_after_ms=1000 wait_ms=1000 tf_req_id=r2 tf_rpc=ApplyResourceChange`
	lineWaiting = `2026-12-02T00:35:17.038Z [INFO]  provider.terraform-provider-cards: waiting for card: last_status=Pending object=card id=bbd12a68 target="AwaitingBinding,Active" tf_req_id=r2 tf_rpc=ApplyResourceChange`
	lineStart2  = `2026-12-02T00:35:17.000Z [INFO]  provider.terraform-provider-cards: create timeout configuration not found, using provided default: tf_req_id=r2 tf_rpc=ApplyResourceChange`
	lineSettle2 = `2026-12-02T00:35:21.000Z [INFO]  provider.terraform-provider-cards: card settled: tf_req_id=r2 tf_rpc=ApplyResourceChange elapsed_ms=3000 target="AwaitingBinding,Active"`
	lineCore    = `2026-12-02T00:35:16.342Z [INFO]  provider: configuring client automatic mTLS`
)

func TestParseProviderLine(t *testing.T) {
	ln, ok := parseProviderLine(lineSettled, providerExe)
	if !ok {
		t.Fatal("not recognised")
	}
	if ln.Level != "INFO" || ln.Msg != "card settled" || ln.Fields["elapsed_ms"] != "2294" ||
		ln.Fields["target"] != "AwaitingBinding,Active" || ln.Fields["tf_req_id"] != "r1" {
		t.Errorf("parsed %+v", ln)
	}
	if ln.Time.IsZero() || ln.Time.Nanosecond() != 374_000_000 {
		t.Errorf("time %v", ln.Time)
	}
	if _, ok := parseProviderLine(lineCore, providerExe); ok {
		t.Error("a line of Terraform's own was taken for the provider's")
	}
	if f := parseFields(`a=1 reason="HTTP 429" b="x \"y\"" c=`); f["a"] != "1" || f["reason"] != "HTTP 429" || f["b"] != `x "y"` || f["c"] != "" {
		t.Errorf("parseFields = %q", f)
	}
}

func TestReadLogStats(t *testing.T) {
	log := strings.Join([]string{lineCore, lineStart, lineApplied, lineStart2, lineWaiting, lineRetry, lineSettled, lineSettle2}, "\n")
	st := readLogStats(strings.NewReader(log), providerExe)
	if st.Applied != 1 || st.Announced != 1 || st.Retries != 1 || st.RetryReasons["HTTP 429"] != 1 || st.RetryWaitMS != 1000 {
		t.Errorf("stats %+v", st)
	}
	w, ok := st.Wait("awaitingbinding,active")
	if !ok || w.Count != 2 || w.P50MS != 2294 || w.MaxMS != 3000 || w.MeanMS != 2647 {
		t.Errorf("waits %+v", st.Waits)
	}
	// r1: 16.912 → 19.374 (2462 ms); r2: 17.000 → 21.000 (4000 ms).
	if st.ApplyRPCs != 2 || st.RPCSumMS != 2462+4000 || st.RPCMaxMS != 4000 || st.RPCP50MS != 2462 {
		t.Errorf("apply calls: %d, sum %d, p50 %d, max %d", st.ApplyRPCs, st.RPCSumMS, st.RPCP50MS, st.RPCMaxMS)
	}
	if got := st.WindowEnd.Sub(st.WindowStart); got != 4088*time.Millisecond {
		t.Errorf("window %s", got)
	}
	if st.Warnings != 1 {
		t.Errorf("warnings %d", st.Warnings)
	}
}

func TestPercentile(t *testing.T) {
	v := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if p := percentile(v, 0.5); p != 5 {
		t.Errorf("p50 = %d", p)
	}
	if p := percentile(v, 0.9); p != 9 {
		t.Errorf("p90 = %d", p)
	}
	if p := percentile([]int64{7}, 0.9); p != 7 {
		t.Errorf("p90 of one = %d", p)
	}
}

func TestOpCounts(t *testing.T) {
	req, total, throttled := opCounts(map[string]int{
		"ApplyCard": 10, "ApplyCard.processed": 10, "CardDetails": 25, "CardDetails.processed": 20,
		"CardDetails.ratelimited": 5, "ApplyCard.ratelimited": 0, "webhook.attempts": 3, "connections.opened": 7,
	})
	if total != 35 || throttled != 5 || req["ApplyCard"] != 10 || req["CardDetails"] != 25 || len(req) != 2 {
		t.Errorf("requests %v total %d throttled %d", req, total, throttled)
	}
}

func TestDiagnostics(t *testing.T) {
	out := "│ Warning: Provider development overrides are in effect\n│ Warning: Destroying a card cancels it\n" +
		"│ Warning: Destroying a card cancels it\nError: Cannot cancel the card\n"
	errs, warns := diagnostics(out)
	if errs["Cannot cancel the card"] != 1 || warns["Destroying a card cancels it"] != 2 || len(warns) != 1 {
		t.Errorf("errors %v warnings %v", errs, warns)
	}
	if got := summarize(warns, 4); len(got) != 1 || got[0] != "2× Destroying a card cancels it" {
		t.Errorf("summarize = %q", got)
	}
}

// TestSampler watches a shell's child as it would a provider plugin of Terraform's.
func TestSampler(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), "sh", "-c", "sleep 1 & wait")
	c, err := harness.StartChild(cmd, "sampler test")
	if err != nil {
		t.Skipf("cannot start sh: %v", err)
	}
	defer c.Stop(0, 0)
	s := startSampler(c.PID(), "sleep", 20*time.Millisecond)
	c.Wait(5 * time.Second)
	got := s.finish()
	if got.ProviderProcesses != 1 || got.ProviderPeakMB <= 0 || got.TerraformPeakMB <= 0 || got.Samples < 2 {
		t.Errorf("sample %+v", got)
	}
	if left := c.Stop(0, 0); left != 0 {
		t.Errorf("%d processes left in the group", left)
	}
}

func TestConfigs(t *testing.T) {
	cfg := cardsConfig(7, true, "http://127.0.0.1:1/api/v1", "/k.pem")
	for _, want := range []string{"count      = 7", `program_id = "3f1c2a9e-7b4d-4c61-9a2e-5d8f0b6c1a01"`, "frozen     = true",
		`base_url       = "http://127.0.0.1:1/api/v1"`, `file("/k.pem")`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("cards configuration lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, "requests_per_second =") {
		t.Error("the provider must run without requests_per_second")
	}
	if n := noopConfig(3, false); !strings.Contains(n, "count      = 3") || !strings.Contains(n, `source = "bench/noop"`) {
		t.Errorf("noop configuration:\n%s", n)
	}
	if got := strings.Join(phaseArgs(PhaseRefresh, 10), " "); got != "plan -detailed-exitcode -input=false -no-color -parallelism=10" {
		t.Errorf("refresh args %q", got)
	}
	if frozenIn(PhaseCreate) || frozenIn(PhaseRefresh) || !frozenIn(PhaseUpdate) || !frozenIn(PhaseDestroy) {
		t.Error("frozen = true belongs to update and destroy")
	}
}

func fakeReport() *Report {
	empty := true
	res := []Result{
		{Phase: PhaseCreate, N: 1000, Parallelism: 50, RateLimit: 50, WallSeconds: 50, FloorSeconds: 30, PlatformSeconds: 40.8,
			IdealSeconds: 40.8, Ratio: 1.225, OracleSeconds: 43, OracleRatio: 1.054, BestSeconds: 43, RatioToBest: 1.163,
			RequestsPerCard: 2.9, MinimalRequestsPerCard: 2, OK: true, CardsOK: true, FloorOK: true, OracleOK: true,
			Requests: map[string]int{"ApplyCard": 1000, "CardDetails": 1900}, Throttled: 12, PeakRSSMB: 150},
		{Phase: PhaseRefresh, N: 1000, Parallelism: 50, RateLimit: 50, WallSeconds: 21, FloorSeconds: 10, PlatformSeconds: 20,
			IdealSeconds: 20, Ratio: 1.05, RatioToFloor: 2.1, RequestsPerCard: 1, MinimalRequestsPerCard: 1, OK: true, PlanEmpty: &empty,
			CardsOK: true, FloorOK: true, PeakRSSMB: 250},
	}
	return &Report{Suite: "full", Command: "make bench", Machine: Machine{CPUs: 2, MemoryMB: 1024, Terraform: "1.11.4", Commit: "abc"},
		Settings: IssueSettings, Started: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Took: time.Minute, Results: res}
}

func TestTargets(t *testing.T) {
	got := map[string]Target{}
	for _, tg := range Targets(fakeReport().Results) {
		got[tg.Name] = tg
	}
	for name, met := range map[string]bool{
		"create: ratio ≤ 1.2":                                             false,
		"create: wall ≤ 1.2 × best (max of ideal and oracle)":             true,
		"refresh: wall ≤ 1.5 × floor (with a rate limit: × ideal, N / R)": true, // R = 50: 21 s against N/R = 20 s (the floor is 10 s)
		"create: requests per card ≤ 3":                                   true,
		"refresh: requests per card = 1":                                  true,
		"peak provider RSS < 200 MB at N = 1000":                          false,
		"R = 50: no 429 surfaces as an error (every phase succeeds)":      true,
	} {
		tg, ok := got[name]
		if !ok {
			t.Errorf("no target %q (have %v)", name, got)
			continue
		}
		if tg.Met != met || tg.NA {
			t.Errorf("%s: met %v (n/a %v), want %v: %s", name, tg.Met, tg.NA, met, tg.Numbers)
		}
	}
	if !got["update: ratio ≤ 1.2"].NA {
		t.Error("update was not measured: n/a")
	}
}

func TestMarkdownKeepsNotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	rep := fakeReport()
	if err := WriteMarkdown(path, rep, "bench/results.json"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	text := string(data)
	for _, want := range []string{"| nproc | 2 |", "| Terraform | 1.11.4 |", "```shell\nmake bench\n```", "## What was found",
		"| create | ApplyCard + 1 CardDetails = 2 | 2L + D |", "| N=1000 P=50 R=50 | create | 50.0 | 30.0 | 40.8 | 40.8 | 1.23 | 43.0 (no R) | 1.16 |"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	text = strings.Replace(text, notesBegin+"\n(none yet)\n", notesBegin+"\nThe waits overshoot.\n", 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(path, rep, "bench/results.json"); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if !strings.Contains(string(data), notesBegin+"\nThe waits overshoot.\n"+notesEnd) {
		t.Errorf("hand-written notes lost:\n%s", data[strings.Index(string(data), "### Notes"):])
	}
	if err := WriteResults(filepath.Join(t.TempDir(), "r.json"), nil); err != nil {
		t.Error(err)
	}
}

func TestTargetsFailedPhase(t *testing.T) {
	failed := Result{Phase: PhaseUpdate, N: 1000, Parallelism: 50, RateLimit: 50, WallSeconds: 20, IdealSeconds: 40.8,
		Ratio: 0.49, RequestsPerCard: 1.7, Throttled: 700, PeakRSSMB: 150, Errors: []string{"14× Cannot read the card"}}
	for _, tg := range Targets([]Result{failed}) {
		switch tg.Name {
		case "update: ratio ≤ 1.2", "update: requests per card ≤ 3",
			"R = 50: no 429 surfaces as an error (every phase succeeds)":
			if tg.Met {
				t.Errorf("%s met by a failed phase: %s", tg.Name, tg.Numbers)
			}
		case "peak provider RSS < 200 MB at N = 1000":
			if !tg.Met {
				t.Errorf("%s: memory is measured whether the phase failed or not: %s", tg.Name, tg.Numbers)
			}
		}
	}
}

func TestReportRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	rep := fakeReport()
	if err := SaveReport(path, rep); err != nil {
		t.Fatal(err)
	}
	got, err := LoadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if Markdown(got, "r.json", "") != Markdown(rep, "r.json", "") {
		t.Error("a saved and loaded report renders differently")
	}
}

func TestSourceDigest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module x\n")
	write("a/a.go", "package a\n")
	d1 := SourceDigest(dir)
	write(".tmp/b.go", "package b\n") // hidden folders do not count
	write("README.md", "text\n")      // nor other files
	if d2 := SourceDigest(dir); d2 != d1 || len(d1) != 12 {
		t.Errorf("digest %q then %q", d1, d2)
	}
	write("a/a.go", "package a // changed\n")
	if d3 := SourceDigest(dir); d3 == d1 {
		t.Error("a changed source left the digest as it was")
	}
}

func TestCasesSuiteParsesTheList(t *testing.T) {
	s, err := CasesSuite("100/50/50, 1000/50/0")
	if err != nil {
		t.Fatal(err)
	}
	want := []Case{{N: 100, P: 50, RateLimit: 50}, {N: 1000, P: 50}}
	if !slices.Equal(s.Cases, want) || s.Settings != IssueSettings {
		t.Errorf("got %+v, want cases %v with the issue's settings", s, want)
	}
	for _, bad := range []string{"", "100/50", "100/50/50/1", "0/10/0", "100/0/0", "100/10/-1", "a/b/c", "100/10/0x"} {
		if _, err := CasesSuite(bad); err == nil {
			t.Errorf("CasesSuite(%q) accepted", bad)
		}
	}
}

// A refresh is measured refreshRuns times and reports its median run with every wall time; a
// run that failed is reported instead, however the others went.
func TestMedianOfReportsTheMedianAndNeverHidesAFailure(t *testing.T) {
	walls := []time.Duration{3 * time.Second, 1 * time.Second, 2 * time.Second}
	var runs []phaseRun
	for i, wall := range walls {
		runs = append(runs, phaseRun{phase: PhaseRefresh, wall: wall, stderrPath: fmt.Sprintf("refresh-%d.log", i+1)})
	}
	if got := medianOf(runs); got.wall != 2*time.Second || got.stderrPath != "refresh-3.log" || !slices.Equal(got.walls, walls) {
		t.Errorf("median of %v: got the run of %s (%s), walls %v; want the third run, of 2s, with every wall", walls,
			got.wall, got.stderrPath, got.walls)
	}
	failed := slices.Clone(runs[:2])
	failed[1].exit = 2
	if got := medianOf(failed); got.ok() || got.stderrPath != "refresh-2.log" {
		t.Errorf("with the second run failing: got %s (exit %d), want the failed run", got.stderrPath, got.exit)
	}
	if got := medianOf(runs[:1]); got.wall != walls[0] || got.walls != nil {
		t.Errorf("one run: got %s with walls %v, want its one run of %s and no list", got.wall, got.walls, walls[0])
	}
}

// Lifecycles run in step: phase by phase, and a refresh's runs in turns; a lifecycle whose run
// fails runs that phase no more, and reports the failed run.
func TestRunInStepTakesTurnsAndStopsALifecycleAtItsFailure(t *testing.T) {
	var order []string
	reported := map[string][]string{}
	lifecycleOf := func(name string, failAt string) *lifecycle {
		return &lifecycle{
			dir:    filepath.Join(t.TempDir(), name),
			config: func(ph Phase) string { return string(ph) },
			run: func(ph Phase, attempt int) (phaseRun, error) {
				run := fmt.Sprintf("%s-%d", ph, attempt)
				order = append(order, name+":"+run)
				r := phaseRun{phase: ph, wall: time.Duration(attempt) * time.Second, stderrPath: run}
				if run == failAt {
					r.exit = 1
				}
				return r, nil
			},
			done: func(ph Phase, r phaseRun) error {
				reported[name] = append(reported[name], r.stderrPath)
				return nil
			},
		}
	}
	if err := runInStep([]*lifecycle{lifecycleOf("floor", ""), lifecycleOf("ours", "refresh-1")}); err != nil {
		t.Fatal(err)
	}
	want := []string{"floor:create-1", "ours:create-1", "floor:refresh-1", "ours:refresh-1", "floor:refresh-2", "floor:refresh-3",
		"floor:update-1", "ours:update-1", "floor:destroy-1", "ours:destroy-1"}
	if !slices.Equal(order, want) {
		t.Errorf("runs in the order %v, want %v", order, want)
	}
	if got, want := reported["floor"], []string{"create-1", "refresh-2", "update-1", "destroy-1"}; !slices.Equal(got, want) {
		t.Errorf("the floor reported %v, want %v (the median refresh)", got, want)
	}
	if got, want := reported["ours"], []string{"create-1", "refresh-1", "update-1", "destroy-1"}; !slices.Equal(got, want) {
		t.Errorf("ours reported %v, want %v (the failed refresh)", got, want)
	}
}

func TestOracleOfARateLimitedCaseIsComparedOnlyWhenPaced(t *testing.T) {
	paced := Result{Phase: PhaseCreate, RateLimit: 50, OracleRateLimit: 50, OracleSeconds: 5.8, OracleRatio: 1.42, Ratio: 1.74}
	unpaced := Result{Phase: PhaseCreate, RateLimit: 50, OracleSeconds: 5.0, OracleRatio: 1.23, Ratio: 1.74}
	if got := oracleCell(paced); got != "5.80 (1.42)" {
		t.Errorf("paced oracle's cell %q, want its seconds and ratio", got)
	}
	if got := oracleCell(unpaced); got != "5.00 (no R)" {
		t.Errorf("unpaced oracle's cell %q, want it marked as having no rate limit", got)
	}
	for _, r := range []Result{paced, unpaced} {
		obs := phaseObservation(r)
		if want := r.OracleRateLimit > 0; strings.Contains(obs, "pacing itself to its rate limit") != want {
			t.Errorf("oracle paced to %g: observation %q", r.OracleRateLimit, obs)
		}
	}
}
