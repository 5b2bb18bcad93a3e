package reliability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// Environment:
//
//	TF_ACC=1                  run TestReliabilitySmoke (make reliability-smoke, part of make test)
//	CARDS_RELIABILITY=full    run TestReliabilityMatrix (make reliability): the whole matrix,
//	                          then RELIABILITY.md at the repository root
//	CARDS_RELIABILITY_ONLY    comma-separated scenario names: run only those (of the matrix and
//	                          Repros, or of the smoke run); a partial matrix writes
//	                          .tmp/reliability/RELIABILITY-partial.md instead of RELIABILITY.md
//	CARDS_RELIABILITY_TF_LOG  TF_LOG_PROVIDER for the Terraform runs (e.g. INFO), into the logs
//	TF_ACC_TERRAFORM_PATH     the Terraform CLI (default: terraform on the PATH)

func TestReliabilitySmoke(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run the reliability smoke test with the Terraform CLI (make reliability-smoke)")
	}
	env := newTestEnv(t)
	start := time.Now()
	var results []*Result
	for _, sc := range selected(t, Smoke()) {
		res := env.Run(sc)
		results = append(results, res)
		t.Run(sc.Name, func(t *testing.T) {
			for _, v := range res.Violations(sc.Disrupt != nil) {
				t.Errorf("%s", v)
			}
			t.Logf("%s: %d apply run(s), %d/%d cards, %d named/%d imported, top-ups %d/%d, %s (logs: %s)", sc.Name,
				res.ApplyRuns, res.CardsIssued, res.Keys, res.Named(), res.Imported(), res.TopUpsMade, res.TopUpsAsked,
				res.Wall.Round(time.Second), harness.RelPath(env.Root, res.Dir))
		})
	}
	table := Table(results)
	_ = os.WriteFile(filepath.Join(env.Out, "smoke.md"), []byte(table), 0o644)
	t.Logf("smoke run in %s:\n%s", time.Since(start).Round(time.Second), table)
}

func TestReliabilityMatrix(t *testing.T) {
	if os.Getenv("CARDS_RELIABILITY") != "full" {
		t.Skip("set CARDS_RELIABILITY=full to run the whole reliability matrix (make reliability)")
	}
	env := newTestEnv(t)
	start := time.Now()
	scenarios := Matrix()
	if os.Getenv("CARDS_RELIABILITY_ONLY") != "" {
		scenarios = selected(t, append(Matrix(), Repros()...))
	}
	var results []*Result
	for i, sc := range scenarios {
		t.Logf("scenario %d/%d: %s — %s", i+1, len(scenarios), sc.Name, sc.What)
		res := env.Run(sc)
		results = append(results, res)
		t.Logf("%s: %d apply run(s), %d/%d cards, orphans %d, duplicates %d, named/imported %d/%d, top-ups %d/%d, plan empty %v, "+
			"destroy complete %v, %s", sc.Name, res.ApplyRuns, res.CardsIssued, res.Keys, len(res.Orphans), res.Duplicates,
			res.Named(), res.Imported(), res.TopUpsMade, res.TopUpsAsked, res.PlanEmpty, res.DestroyComplete, res.Wall.Round(time.Second))
		for _, v := range res.Violations(sc.Disrupt != nil) {
			t.Logf("  target missed: %s", v)
		}
	}
	out := filepath.Join(env.Root, "RELIABILITY.md")
	if len(scenarios) != len(Matrix()) {
		out = filepath.Join(env.Out, "RELIABILITY-partial.md")
	}
	if err := WriteReport(out, env, "make reliability", results, time.Since(start)); err != nil {
		t.Fatal(err)
	}
	t.Logf("matrix run in %s; report: %s\n%s", time.Since(start).Round(time.Second), out, Table(results))
}

func newTestEnv(t *testing.T) *Env {
	t.Helper()
	root, tf := harness.TestSetup(t)
	env, err := NewEnv(root, tf, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	unlock, err := env.Lock(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
	t.Logf("%s", env.Machine())
	return env
}

func selected(t *testing.T, all []Scenario) []Scenario {
	only := os.Getenv("CARDS_RELIABILITY_ONLY")
	if only == "" {
		return all
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var out []Scenario
	for _, sc := range all {
		if want[sc.Name] {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		t.Skipf("CARDS_RELIABILITY_ONLY=%s names no scenario of this run", only)
	}
	return out
}

// ---- unit tests of the harness itself (no Terraform needed) ----

func TestScenarioNames(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range append(append(Matrix(), Smoke()...), Repros()...) {
		if sc.Name == "" || seen[sc.Name] || strings.ContainsAny(sc.Name, " /") {
			t.Errorf("scenario name %q is empty, repeated or not a folder name", sc.Name)
		}
		seen[sc.Name] = true
		if sc.Cards < sc.TopUps || sc.Cards == 0 {
			t.Errorf("%s: %d cards for %d top-ups", sc.Name, sc.Cards, sc.TopUps)
		}
	}
}

func TestConfig(t *testing.T) {
	sc := Scenario{Name: "x", Cards: 3, TopUps: 2, RequestTimeout: "1s"}
	cfg := sc.Config("http://127.0.0.1:1234/api/v1", "/tmp/key.pem")
	for _, want := range []string{
		`base_url            = "http://127.0.0.1:1234/api/v1"`, `private_key         = file("/tmp/key.pem")`,
		`requests_per_second = 1000`, `request_timeout     = "1s"`, `for_each   = toset([for i in range(3) : format("k%02d", i)])`,
		`program_id = "` + sandbox.ProgramVirtual + `"`, `card_id  = cards_card.c[each.key].id`, `create = "20s"`,
		`customer_token      = "` + sandbox.DefaultCustomerToken + `"`,
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %s:\n%s", want, cfg)
		}
	}
	if got := (Scenario{Cards: 1}).Config("u", "k"); strings.Contains(got, "cards_card_topup") || strings.Contains(got, "request_timeout") {
		t.Errorf("no top-ups and no request_timeout expected:\n%s", got)
	}
	if keys := sc.cardKeys(); len(keys) != 3 || keys[2] != "k02" || cardAddress(keys[0]) != `cards_card.c["k00"]` {
		t.Errorf("keys %v", keys)
	}
}

func TestParseStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "terraform.tfstate")
	if st, err := parseStateFile(path); err != nil || len(st.cards()) != 0 {
		t.Fatalf("missing state: %v %v", st, err)
	}
	state := `{"version":4,"resources":[
	 {"mode":"managed","type":"cards_card","name":"c","instances":[
	  {"index_key":"k00","attributes":{"id":"card-1"}},
	  {"index_key":"k01","status":"tainted","attributes":{"id":"card-2"}},
	  {"index_key":"k02","attributes":{"id":"unconfirmed-abc"}}]},
	 {"mode":"managed","type":"cards_card_topup","name":"t","instances":[{"index_key":"k00","attributes":{"id":"task-1"}}]},
	 {"mode":"data","type":"cards_merchant","name":"m","instances":[{"attributes":{"id":"m"}}]}]}`
	if err := os.WriteFile(path, []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := parseStateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cards := st.cards()
	if len(cards) != 3 || cards[1].Address != `cards_card.c["k01"]` || !cards[1].Tainted || !isPlaceholder(cards[2].ID) ||
		cards[0].Key != "k00" || len(st.topUps()) != 1 || len(st.instances["cards_merchant"]) != 0 {
		t.Errorf("parsed %+v", st)
	}
}

func TestOutputHelpers(t *testing.T) {
	out := "Plan: 1 to add\n╷\n│ Error: Card application outcome unknown\n│ \n│ with cards_card.c[\"k01\"],\n│ This resource holds a\n│ placeholder (unconfirmed-1) and the `terraform state rm\n│ <address>`. Plan again after 2030-01-02T03:04:05Z, when\n╵\n" +
		"╷\n│ Warning: Card adopted from an earlier run\n╵\n"
	if got := countedSummaries(out + out); got != "Error: Card application outcome unknown ×2; Warning: Card adopted from an earlier run ×2" {
		t.Errorf("countedSummaries %q", got)
	}
	if got := harness.Diagnostics(out); len(got) != 2 || got[0].String() != "Error: Card application outcome unknown" ||
		got[1].String() != "Warning: Card adopted from an earlier run" {
		t.Errorf("diagnostics %q", got)
	}
	flat := flatten(out)
	if !strings.Contains(flat, "the `terraform state rm <address>`") || !strings.Contains(flat, "placeholder (unconfirmed-1)") {
		t.Errorf("flatten: %s", flat)
	}
	if m := retryAfterRe.FindStringSubmatch(flat); m == nil || m[1] != "2030-01-02T03:04:05Z" {
		t.Errorf("retry-after: %q", m)
	}
	plan := "  # cards_card.c[\"k01\"] will be created\n  + resource ...\nPlan: 1 to add, 0 to change, 0 to destroy.\n"
	if got := planChanges(plan); got != "# cards_card.c[\"k01\"] will be created\nPlan: 1 to add, 0 to change, 0 to destroy." {
		t.Errorf("planChanges %q", got)
	}
}

func TestOrphanCandidates(t *testing.T) {
	now := time.Now()
	cards := []sandbox.CardInfo{
		{ID: "C3", Status: sandbox.CardStatusActive, Created: now.Add(3 * time.Second)},
		{ID: "C1", Status: sandbox.CardStatusPending, Created: now.Add(time.Second)},
		{ID: "C2", Status: sandbox.CardStatusActive, Created: now.Add(2 * time.Second)},
		{ID: "gone", Status: sandbox.CardStatusCancelled},
		{ID: "held", Status: sandbox.CardStatusActive},
		{ID: "journaled", Status: sandbox.CardStatusActive},
	}
	got := orphanCandidates(cards, map[string]bool{"held": true}, map[string]bool{"journaled": true})
	if len(got) != 3 || got[0].ID != "C1" || got[1].ID != "C2" || got[2].ID != "C3" {
		t.Errorf("candidates %+v", got)
	}
}

func TestViolations(t *testing.T) {
	ok := &Result{Keys: 2, TopUpsAsked: 1, ApplyRuns: 1, Converged: true, CardsIssued: 2, TopUpsMade: 1, PlanEmpty: true,
		DestroyComplete: true, Disrupted: "x"}
	if v := ok.Violations(true); len(v) != 0 {
		t.Errorf("violations of a good result: %v", v)
	}
	bad := *ok
	bad.Duplicates, bad.Orphans, bad.TopUpsMade, bad.Disrupted = 1, []string{"c"}, 2, ""
	if v := bad.Violations(true); len(v) != 4 {
		t.Errorf("want 4 violations, got %v", v)
	}
}

func TestWriteReportKeepsBadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "RELIABILITY.md")
	env := &Env{Env: harness.Env{Root: t.TempDir(), TFVersion: "1.11.4"}}
	res := []*Result{{Name: "baseline", What: "none", Keys: 30, CardsIssued: 30, Converged: true, ApplyRuns: 1,
		PlanEmpty: true, DestroyComplete: true, DestroyRuns: 1, Counters: map[string]int{}, Diagnostics: map[string]int{}}}
	if err := WriteReport(path, env, "make reliability", res, time.Minute); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "\n## Bad input\n\nAnother section will be added") || !strings.Contains(string(data), "| baseline |") {
		t.Fatalf("report:\n%s", data)
	}
	custom := strings.Replace(string(data), "Another section will be added", "Hand-written findings", 1)
	if err := os.WriteFile(path, []byte(custom), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteReport(path, env, "make reliability", res, time.Minute); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if !strings.Contains(string(data), "## Bad input\n\nHand-written findings") || strings.Count(string(data), "## Bad input") != 1 {
		t.Fatalf("the Bad input section was not kept:\n%s", data)
	}
}
