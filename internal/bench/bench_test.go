package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
)

// Environment:
//
//	TF_ACC=1               run TestBenchSmoke (make bench-smoke, part of make test)
//	CARDS_BENCH=full       run TestBenchLifecycle with the full suite (make bench): writes
//	                       bench/results.json and BENCHMARKS.md
//	CARDS_BENCH=quick      the quick suite (make bench-quick): N = 100, P = 10, no rate limit;
//	                       writes .tmp/bench/quick/results.json and BENCHMARKS.md there
//	CARDS_BENCH=render     write BENCHMARKS.md and bench/results.json again from the last full
//	                       run's .tmp/bench/full/report.json, with the model's numbers (minimal
//	                       requests, platform bound, ideal, ratios) derived again (nothing is
//	                       measured)
//	CARDS_BENCH=profile    N = 1000, P = 50 with the provider built from internal/bench/profiled:
//	                       a CPU profile per provider process, go tool pprof -top per phase
//	                       (.tmp/bench/profile/<case>/<phase>-pprof-top.txt)
//	CARDS_BENCH=cases      the cases of CARDS_BENCH_CASES, "N/P/R,…" (R = 0: no platform rate
//	                       limit), e.g. 100/50/50 (make bench-cases CASES=100/50/50): writes
//	                       .tmp/bench/cases/results.json and BENCHMARKS.md there
//	CARDS_BENCH_QUIET_WAIT before each Terraform command, wait up to this long (e.g. 5m) for
//	                       other processes to use under 0.3 cores (default: do not wait)
//	CARDS_BENCH_TF_LOG     TF_LOG_PROVIDER of the Terraform commands (default INFO; "off": none)
//	TF_ACC_TERRAFORM_PATH  the Terraform CLI (default: terraform on the PATH)

func TestBenchSmoke(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run the lifecycle benchmark's smoke test with the Terraform CLI (make bench-smoke)")
	}
	env := newTestEnv(t, false)
	env.CommandTimeout = 3 * time.Minute
	suite := SmokeSuite()
	rep := env.RunSuite(suite, "make bench-smoke")
	dir := filepath.Join(env.Out, suite.Name)
	if err := WriteResults(filepath.Join(dir, "results.json"), rep.Results); err != nil {
		t.Error(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "BENCHMARKS.md"), []byte(Markdown(rep, "results.json", "")), 0o644); err != nil {
		t.Error(err)
	}
	for _, p := range rep.Problems {
		t.Errorf("problem: %s", p)
	}
	if len(rep.Results) != len(Phases) {
		t.Fatalf("%d results, want one per phase (%d)", len(rep.Results), len(Phases))
	}
	for _, r := range rep.Results {
		switch {
		case !r.OK:
			t.Errorf("%s failed (exit %d): %v; log %s", r.Phase, r.ExitCode, r.Errors, r.Log)
		case !r.FloorOK:
			t.Errorf("%s of the no-op provider (the floor) failed; log %s", r.Phase, r.FloorLog)
		case !r.OracleOK:
			t.Errorf("%s of the oracle failed; log %s", r.Phase, r.OracleLog)
		case r.OracleRateLimit != r.RateLimit:
			t.Errorf("%s: the oracle was paced to %g requests a second, the case's rate limit is %g", r.Phase,
				r.OracleRateLimit, r.RateLimit)
		case r.Phase == PhaseRefresh && (r.PlanEmpty == nil || !*r.PlanEmpty):
			t.Errorf("the refresh plan was not empty; see %s", r.Log)
		case r.Phase == PhaseRefresh && (len(r.WallSecondsOfRuns) != refreshRuns || len(r.FloorSecondsOfRuns) != refreshRuns):
			t.Errorf("refresh: walls %v, floor's %v; want %d runs of each", r.WallSecondsOfRuns, r.FloorSecondsOfRuns, refreshRuns)
		case !r.CardsOK:
			t.Errorf("%s: the sandbox holds %s, want %d %s", r.Phase, r.SandboxCards, r.N, expectedStatus(r.Phase))
		case r.RequestsPerCard <= 0 || len(r.Requests) == 0 || r.ConnectionsOpened <= 0:
			t.Errorf("%s: no requests or connections counted (%v)", r.Phase, r.Counters)
		case r.WallSeconds <= 0 || r.FloorSeconds <= 0 || r.OracleSeconds <= 0:
			t.Errorf("%s: wall %.2f s, floor %.2f s, oracle %.2f s: not measured", r.Phase, r.WallSeconds, r.FloorSeconds, r.OracleSeconds)
		}
	}
	if live := harness.Live(); len(live) > 0 {
		t.Errorf("processes still running after the suite: %v", live)
	}
	t.Logf("smoke run in %s (results in %s):\n%s", rep.Took.Round(time.Second), harness.RelPath(env.Root, dir), summaryTable(rep.Results))
}

func TestBenchLifecycle(t *testing.T) {
	var suite Suite
	var resultsPath, reportPath, link, command string
	switch mode := os.Getenv("CARDS_BENCH"); mode {
	case "full":
		suite, command = FullSuite(), "make bench"
	case "quick":
		suite, command = QuickSuite(), "make bench-quick"
	case "render":
		// BENCHMARKS.md and bench/results.json again from the last full run's report.json
		// (after a change to the report's format; nothing is measured).
		root, err := harness.RepoRoot()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := LoadReport(filepath.Join(root, ".tmp", "bench", "full", "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range rep.Results {
			rep.Results[i].deriveFromModel()
		}
		if err := WriteResults(filepath.Join(root, "bench", "results.json"), rep.Results); err != nil {
			t.Fatal(err)
		}
		if err := WriteMarkdown(filepath.Join(root, "BENCHMARKS.md"), rep, "bench/results.json"); err != nil {
			t.Fatal(err)
		}
		t.Logf("rendered the full run of %s:\n%s", rep.Started.UTC().Format(time.RFC3339), summaryTable(rep.Results))
		return
	case "profile":
		suite, command = ProfileSuite(), "CARDS_BENCH=profile go test -count=1 -timeout 30m -v -run '^TestBenchLifecycle$' ./internal/bench"
	case "cases":
		list := os.Getenv("CARDS_BENCH_CASES")
		var err error
		if suite, err = CasesSuite(list); err != nil {
			t.Fatalf("CARDS_BENCH_CASES: %v", err)
		}
		command = "make bench-cases CASES=" + list
	default:
		t.Skip("set CARDS_BENCH=full (make bench) or CARDS_BENCH=quick (make bench-quick) to run the lifecycle benchmark")
	}
	env := newTestEnv(t, suite.Name == "profile")
	if suite.Name == "full" {
		resultsPath = filepath.Join(env.Root, "bench", "results.json")
		reportPath = filepath.Join(env.Root, "BENCHMARKS.md")
		link = "bench/results.json"
	} else {
		resultsPath = filepath.Join(env.Out, suite.Name, "results.json")
		reportPath = filepath.Join(env.Out, suite.Name, "BENCHMARKS.md")
		link = "results.json"
	}
	if env.QuietWait > 0 {
		command = "CARDS_BENCH_QUIET_WAIT=" + os.Getenv("CARDS_BENCH_QUIET_WAIT") + " " + command
	}
	for _, c := range suite.Cases {
		t.Logf("case %s", c)
	}
	rep := env.RunSuite(suite, command)
	if err := WriteResults(resultsPath, rep.Results); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(reportPath, rep, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		t.Errorf("problem: %s", p) // the harness could not run a case; missed targets are only reported
	}
	t.Logf("%s run in %s; %s, %s\n%s", suite.Name, rep.Took.Round(time.Second), harness.RelPath(env.Root, resultsPath),
		harness.RelPath(env.Root, reportPath), summaryTable(rep.Results))
	for _, tg := range Targets(rep.Results) {
		met := strconv.FormatBool(tg.Met)
		if tg.NA {
			met = "n/a"
		}
		t.Logf("target %-55s met=%-5s %s", tg.Name, met, tg.Numbers)
	}
}

func newTestEnv(t *testing.T, profile bool) *Env {
	t.Helper()
	root, tf := harness.TestSetup(t)
	env, err := NewEnv(root, tf, profile, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	switch lvl := os.Getenv("CARDS_BENCH_TF_LOG"); lvl {
	case "":
	case "off", "OFF":
		env.ProviderLog = ""
	default:
		env.ProviderLog = lvl
	}
	if v := os.Getenv("CARDS_BENCH_QUIET_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("CARDS_BENCH_QUIET_WAIT: %v", err)
		}
		env.QuietWait = d
	}
	m := env.Machine()
	t.Logf("%d cores, %d MB, Terraform %s, %s, commit %s (dirty %v)", m.CPUs, m.MemoryMB, m.Terraform, m.Go, m.Commit, m.Dirty)
	return env
}
