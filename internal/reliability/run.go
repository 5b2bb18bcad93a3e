package reliability

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
)

// Env is what every scenario shares: the binaries built once, the Terraform CLI and its
// environment (harness.Env).
type Env struct {
	harness.Env
	built string // the commit the binaries were built from, as Machine reports it
}

// NewEnv builds the provider and the sandbox into .tmp/reliability/bin/<pid> and writes a
// Terraform CLI configuration whose dev_overrides point at the provider.
func NewEnv(root, terraform string, logf func(string, ...any)) (*Env, error) {
	// Binaries of this run only: another run in the same checkout (make test while make
	// reliability runs) must not rebuild them under it from a tree that has changed since.
	bin := filepath.Join("bin", strconv.Itoa(os.Getpid()))
	removeStaleBins(filepath.Join(root, ".tmp", "reliability", "bin"))
	built := commit(root) // before building: the tree may change while the run goes on
	var extraEnv []string
	if lvl := os.Getenv("CARDS_RELIABILITY_TF_LOG"); lvl != "" {
		extraEnv = append(extraEnv, "TF_LOG_PROVIDER="+lvl)
	}
	h, err := harness.NewEnv(harness.Setup{Name: "reliability", Root: root, Terraform: terraform, Logf: logf,
		Bin: bin, Binaries: []harness.Binary{
			{Name: harness.ProviderExe, Pkg: "."}, {Name: harness.SandboxExe, Pkg: "./cmd/cards-sandbox"},
		},
		Overrides: []string{harness.ProviderSource}, RCFile: filepath.Join(bin, "terraformrc"), ExtraEnv: extraEnv,
		CommandTimeout: 8 * time.Minute})
	if err != nil {
		return nil, err
	}
	return &Env{Env: *h, built: built}, nil
}

// Close removes the run's binaries.
func (e *Env) Close() { _ = os.RemoveAll(e.Bin) }

// removeStaleBins removes the binaries of runs whose process is gone.
func removeStaleBins(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		pid, err := strconv.Atoi(en.Name())
		if err != nil || !en.IsDir() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(filepath.Join(dir, en.Name()))
		}
	}
}

// Lock takes an exclusive lock named name under Out, waiting for another run that holds it:
// two runs of the same scenarios would share their folders. The lock ends with the process
// or when the returned function is called.
func (e *Env) Lock(name string) (func(), error) {
	if err := os.MkdirAll(e.Out, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(e.Out, "."+name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		e.Logf("waiting for another %s run in this checkout to finish", name)
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// run is one scenario in progress.
type run struct {
	env *Env
	sc  Scenario
	res *Result

	dir, work                            string
	keyFile, stateFile, readyFile, sbLog string

	mu sync.Mutex // guards sb (a restart replaces it while Terraform runs)
	sb *harness.Sandbox

	step        int
	everInState map[string]bool // card ids any state held, after any command
	imported    map[string]bool // card ids the operator imported
	finalCards  map[string]bool // card ids in state after the converged apply
	tainted     map[string]bool // "address id" of card instances seen tainted
}

// Run runs one scenario and returns what it measured. It never panics on a provider failure:
// those are in the result (Violations).
func (e *Env) Run(sc Scenario) *Result {
	sc = sc.withDefaults()
	start := time.Now()
	r := &run{env: e, sc: sc, res: newResult(sc), everInState: map[string]bool{}, imported: map[string]bool{},
		finalCards: map[string]bool{}, tainted: map[string]bool{}}
	r.dir = filepath.Join(e.Out, sc.Name)
	r.res.Dir = r.dir
	defer func() {
		r.stopSandbox()
		r.res.Wall = time.Since(start)
		r.save()
	}()
	if err := r.prepare(); err != nil {
		r.res.problem("setup: %v", err)
		return r.res
	}
	r.applyPhase()
	r.planPhase()
	r.destroyPhase()
	if err := r.measure(); err != nil {
		r.res.problem("measuring: %v", err)
	}
	return r.res
}

func (r *run) logf(format string, args ...any) {
	r.env.Logf("[%s] "+format, append([]any{r.sc.Name}, args...)...)
}

func (r *run) prepare() error {
	if err := os.RemoveAll(r.dir); err != nil {
		return err
	}
	r.work = filepath.Join(r.dir, "work")
	if err := harness.MkdirAll(r.work); err != nil {
		return err
	}
	r.keyFile = filepath.Join(r.dir, "merchant-key.pem")
	r.stateFile = filepath.Join(r.dir, "sandbox-state.json")
	r.readyFile = filepath.Join(r.dir, "sandbox.url")
	r.sbLog = filepath.Join(r.dir, "sandbox.log")
	if err := r.startSandbox("127.0.0.1:0"); err != nil {
		return err
	}
	if r.sc.Faults != "" {
		if err := r.sandbox().SetFaults(r.sc.Faults); err != nil {
			return fmt.Errorf("PUT /sandbox/faults: %w", err)
		}
	}
	return harness.WriteFile(filepath.Join(r.work, "main.tf"), []byte(r.sc.Config(r.sandbox().APIURL, r.keyFile)))
}

// startSandbox starts the sandbox on addr (port 0: a free port) and waits for its ready file.
func (r *run) startSandbox(addr string) error {
	sb, err := harness.StartSandbox(harness.SandboxSpec{Exe: filepath.Join(r.env.Bin, harness.SandboxExe), Addr: addr,
		KeyFile: r.keyFile, ReadyFile: r.readyFile, Args: append([]string{"-state-file", r.stateFile}, r.sc.sandboxArgs()...),
		Log: r.sbLog, LogPrefix: "=== " + time.Now().Format(time.RFC3339Nano) + " ", What: "cards-sandbox " + r.sc.Name,
		ControlTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.sb = sb
	r.mu.Unlock()
	return nil
}

// sandbox is the running sandbox.
func (r *run) sandbox() *harness.Sandbox {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sb
}

func (r *run) stopSandbox() {
	r.mu.Lock()
	sb := r.sb
	r.sb = nil
	r.mu.Unlock()
	sb.Stop()
}

// restartSandbox kills the sandbox (SIGKILL: a crash, no graceful save beyond what it saved
// per change) and starts it again with the same port, key and state file.
func (r *run) restartSandbox(down time.Duration) error {
	sb := r.sandbox()
	sb.Kill()
	time.Sleep(down)
	var err error
	for i := 0; i < 20; i++ { // the port may take a moment to be free again
		if err = r.startSandbox(sb.Addr); err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return err
}

// tfRun is one Terraform command as run.
type tfRun struct {
	Name   string
	Args   []string
	Code   int // exit code; -1 when killed
	Output string
	Took   time.Duration
	Fired  string // what the disruption did, "" if none fired
	Log    string
}

// terraform runs a Terraform command in the working directory. With d, it watches the
// sandbox's counters and performs the disruption once the threshold is reached.
func (r *run) terraform(name string, d *Disruption, args ...string) (tr tfRun) {
	r.step++
	tr = tfRun{Name: name, Args: args, Code: -1,
		Log: filepath.Join(r.dir, fmt.Sprintf("%02d-%s.log", r.step, name))}
	start := time.Now()
	defer func() { tr.Took = time.Since(start) }()
	var base map[string]int
	if d != nil {
		var err error
		if base, err = r.sandbox().Counters(); err != nil {
			r.res.problem("%s: reading counters: %v", name, err)
			d = nil
		}
	}
	run, err := r.env.StartTerraform(harness.TerraformCmd{Dir: r.work, Args: args, Log: tr.Log,
		What: "terraform " + name + " " + r.sc.Name})
	if err != nil {
		r.res.problem("%s: starting terraform: %v", name, err)
		return tr
	}
	tr.Fired = r.watch(run, name, d, base)
	if left := run.Finish(); left > 0 && tr.Fired == "" {
		r.res.problem("%s: %d process(es) of terraform's group were still running after it exited; killed", name, left)
	}
	tr.Code = run.Child.ExitCode()
	tr.Output = run.Output()
	r.res.Commands = append(r.res.Commands, CommandRecord{Name: name, Exit: tr.Code, Took: time.Since(start),
		Fired: tr.Fired, Log: harness.RelPath(r.env.Root, tr.Log)})
	return tr
}

// watch waits for Terraform to exit, and kills it past the command timeout. With d, it polls
// the sandbox's counters and performs the disruption once the counter has grown by d.AtLeast
// since base; it returns what the disruption did ("" if it did not fire).
func (r *run) watch(run *harness.TerraformRun, name string, d *Disruption, base map[string]int) (fired string) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(r.env.CommandTimeout)
	defer deadline.Stop()
	for {
		select {
		case <-run.Child.Done():
			return fired
		case <-deadline.C:
			r.res.problem("%s: still running after %s; killed", name, r.env.CommandTimeout)
			run.Child.Stop(syscall.SIGKILL, 0)
			return fired
		case <-tick.C:
			if d == nil {
				continue
			}
			now, err := r.sandbox().Counters()
			if err != nil || now[d.Counter]-base[d.Counter] < d.AtLeast {
				continue
			}
			fired = r.disrupt(run.Child, d, now, time.Since(run.Started))
			r.res.Disrupted = fired
			r.logf("%s: %s", name, fired)
			d = nil
		}
	}
}

// disrupt performs d on the running Terraform c; it returns what it did.
func (r *run) disrupt(c *harness.Child, d *Disruption, now map[string]int, after time.Duration) string {
	at := fmt.Sprintf("after %s (sandbox counters: ApplyCard %d received/%d processed, CardTopUp %d/%d, CancelCard %d/%d)",
		after.Round(100*time.Millisecond), now["ApplyCard"], now["ApplyCard.processed"], now["CardTopUp"],
		now["CardTopUp.processed"], now["CancelCard"], now["CancelCard.processed"])
	switch d.Action {
	case ActionSIGINT:
		_ = syscall.Kill(c.PID(), syscall.SIGINT)
		if !c.Wait(4 * time.Minute) {
			r.res.problem("terraform did not exit within 4 minutes of SIGINT; killed")
			c.Stop(syscall.SIGKILL, 0)
		}
		return "SIGINT to terraform " + at
	case ActionSIGKILL:
		others := harness.GroupMembers(c.PID()) // terraform and its provider plugins
		_ = syscall.Kill(c.PID(), syscall.SIGKILL)
		n := 0 // then at once the plugins: a lost runner takes them too
		for _, pid := range others {
			if pid != c.PID() && syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
			}
		}
		c.Wait(10 * time.Second)
		return fmt.Sprintf("SIGKILL to terraform, then to %d provider process(es), %s", n, at)
	case ActionRestartSandbox:
		if err := r.restartSandbox(d.Down); err != nil {
			r.res.problem("restarting the sandbox: %v", err)
		}
		return "sandbox SIGKILLed and restarted " + at
	}
	return "unknown action " + d.Action
}

func (r *run) applyPhase() {
	for i := 1; i <= r.sc.MaxApplyRuns; i++ {
		var d *Disruption
		if r.sc.Disrupt != nil && r.sc.Disrupt.Phase == PhaseApply && r.res.Disrupted == "" {
			d = r.sc.Disrupt
		}
		args := []string{"apply", "-auto-approve", "-input=false", "-no-color"}
		if i > 1 {
			args = append(args, r.sc.LaterApplyArgs...)
		}
		targeted := false
		if i == 2 && r.sc.TargetMissingCard {
			if key := r.missingCardKey(); key != "" {
				args, targeted = append(args, "-target="+cardAddress(key)), true
			}
		}
		tr := r.terraform(fmt.Sprintf("apply-%d", i), d, args...)
		r.res.ApplyRuns = i
		r.observe(PhaseApply, tr)
		if tr.Code == 0 && !targeted {
			r.res.Converged = true
			break
		}
		if tr.Code == 0 {
			continue
		}
		if i == r.sc.MaxApplyRuns {
			break
		}
		r.operate()
		r.waitForTopUpDecision(tr.Output)
	}
	r.readFinalCards()
}

// readFinalCards notes the cards in state after the applies, and any card that several keys
// hold.
func (r *run) readFinalCards() {
	st, err := r.readState()
	if err != nil {
		return
	}
	holders := map[string][]string{}
	for _, in := range st.cards() {
		r.finalCards[in.ID] = true
		if !isPlaceholder(in.ID) {
			holders[in.ID] = append(holders[in.ID], in.Key)
		}
	}
	for id, keys := range holders {
		if len(keys) > 1 {
			sort.Strings(keys)
			r.res.Shared += len(keys)
			r.res.problem("card %s is held by %d resources: %s", id, len(keys), strings.Join(keys, ", "))
		}
	}
}

// missingCardKey is the first card key without an instance in state ("" if none).
func (r *run) missingCardKey() string {
	keys, err := r.missingCardKeys()
	if err != nil || len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// missingCardKeys are the card keys without an instance in state, in key order.
func (r *run) missingCardKeys() ([]string, error) {
	st, err := r.readState()
	if err != nil {
		return nil, err
	}
	held := map[string]bool{}
	for _, in := range st.cards() {
		held[in.Key] = true
	}
	var missing []string
	for _, k := range r.sc.cardKeys() {
		if !held[k] {
			missing = append(missing, k)
		}
	}
	return missing, nil
}

func (r *run) planPhase() {
	for i := 1; i <= r.sc.MaxPlanRuns; i++ {
		tr := r.terraform(fmt.Sprintf("plan-%d", i), nil, "plan", "-detailed-exitcode", "-input=false", "-no-color")
		r.observe("plan", tr)
		switch tr.Code {
		case 0:
			r.res.PlanEmpty = true
			return
		case 2:
			r.res.PlanDetail = firstLines(planChanges(tr.Output), 12)
			return
		}
		r.res.PlanDetail = "the plan failed: " + countedSummaries(tr.Output)
		time.Sleep(2 * time.Second) // an error (a fault beyond the retries): plan again
	}
}

func (r *run) destroyPhase() {
	for i := 1; i <= r.sc.MaxDestroyRuns; i++ {
		var d *Disruption
		if r.sc.Disrupt != nil && r.sc.Disrupt.Phase == PhaseDestroy && r.res.Disrupted == "" {
			d = r.sc.Disrupt
		}
		tr := r.terraform(fmt.Sprintf("destroy-%d", i), d, "destroy", "-auto-approve", "-input=false", "-no-color")
		r.res.DestroyRuns = i
		r.observe(PhaseDestroy, tr)
		if tr.Code == 0 {
			r.res.DestroyExit0 = true
			return
		}
		time.Sleep(time.Second)
	}
}

// observe records the card ids in state and the diagnostics a command printed.
func (r *run) observe(phase Phase, tr tfRun) {
	for _, d := range harness.Diagnostics(tr.Output) {
		r.res.addDiag(string(phase), d.String())
	}
	st, err := r.readState()
	if err != nil {
		r.res.problem("%s: reading the state: %v", tr.Name, err)
		return
	}
	for _, in := range st.cards() {
		if !isPlaceholder(in.ID) {
			r.everInState[in.ID] = true
		}
		if in.Tainted {
			r.tainted[in.Address+" "+in.ID] = true
			r.res.TaintedSeen = len(r.tainted)
		}
	}
}

var retryAfterRe = regexp.MustCompile(`(?:[Pp]lan again|[Aa]pply again) after (\d{4}-\d\d-\d\dT[0-9:]+(?:Z|[+-]\d\d:\d\d))`)

// waitForTopUpDecision waits, when the output says a top-up's outcome is decided only after
// some time, until then (at most a minute): planning earlier would only fail again.
func (r *run) waitForTopUpDecision(output string) {
	var until time.Time
	for _, m := range retryAfterRe.FindAllStringSubmatch(flatten(output), -1) {
		if t, err := time.Parse(time.RFC3339, m[1]); err == nil && t.After(until) {
			until = t
		}
	}
	if wait := time.Until(until) + time.Second; !until.IsZero() && wait > 0 {
		wait = min(wait, time.Minute)
		r.logf("waiting %s until the card's transactions decide a top-up", wait.Round(time.Second))
		time.Sleep(wait)
	}
}

// save writes the result as JSON next to the scenario's logs.
func (r *run) save() {
	if r.dir == "" {
		return
	}
	data, err := json.MarshalIndent(r.res, "", "  ")
	if err == nil {
		_ = harness.WriteFile(filepath.Join(r.dir, "result.json"), data)
	}
}

// ---- reading Terraform's state and the provider's journal (read-only) ----

type stateInstance struct {
	Address string
	Key     string
	ID      string
	Tainted bool
	Deposed bool
}

type tfState struct {
	instances map[string][]stateInstance // by resource type
}

func (s tfState) cards() []stateInstance  { return s.instances["cards_card"] }
func (s tfState) topUps() []stateInstance { return s.instances["cards_card_topup"] }

func isPlaceholder(id string) bool { return strings.HasPrefix(id, "unconfirmed-") }

// readState parses terraform.tfstate (local backend, format 4) of the working directory.
func (r *run) readState() (tfState, error) {
	return parseStateFile(filepath.Join(r.work, "terraform.tfstate"))
}

func parseStateFile(path string) (tfState, error) {
	st := tfState{instances: map[string][]stateInstance{}}
	data, err := harness.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		// Terraform truncates the file before writing it: a Terraform killed then leaves it
		// empty, which Terraform itself reads as no state.
		return st, nil
	}
	var raw struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Type      string `json:"type"`
			Name      string `json:"name"`
			Instances []struct {
				IndexKey   any            `json:"index_key"`
				Status     string         `json:"status"`
				Deposed    string         `json:"deposed"`
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	for _, res := range raw.Resources {
		if res.Mode != "managed" {
			continue
		}
		for _, in := range res.Instances {
			key := fmt.Sprint(in.IndexKey)
			addr := fmt.Sprintf("%s.%s", res.Type, res.Name)
			if in.IndexKey != nil {
				addr = fmt.Sprintf("%s[%q]", addr, key)
			}
			id, _ := in.Attributes["id"].(string)
			st.instances[res.Type] = append(st.instances[res.Type], stateInstance{Address: addr, Key: key, ID: id,
				Tainted: in.Status == "tainted", Deposed: in.Deposed != ""})
		}
	}
	return st, nil
}

// journalEntry is a file of the provider's journal (.terraform/cards-journal/<attempt>.json);
// only the fields the operator needs.
type journalEntry struct {
	Attempt string    `json:"attempt"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	SentAt  time.Time `json:"sent_at"`
	ID      string    `json:"id"`
	file    string
}

func (r *run) readJournal() ([]journalEntry, error) {
	files, err := filepath.Glob(filepath.Join(r.work, ".terraform", "cards-journal", "*.json"))
	if err != nil {
		return nil, err
	}
	var out []journalEntry
	for _, f := range files {
		data, err := harness.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var e journalEntry
		if json.Unmarshal(data, &e) != nil || e.Attempt == "" {
			continue
		}
		e.file = f
		out = append(out, e)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].SentAt.Before(out[b].SentAt) })
	return out, nil
}

// ---- output helpers ----

var boxPrefix = regexp.MustCompile(`(?m)^[│╷╵]\s?`)

// flatten joins Terraform's wrapped diagnostic lines, so that a phrase split by the wrap can
// be searched for.
func flatten(out string) string {
	return strings.Join(strings.Fields(boxPrefix.ReplaceAllString(out, "")), " ")
}

// countedSummaries is the diagnostics of an output on one line: "Error: X ×10; Warning: Y".
func countedSummaries(out string) string {
	counts, order := map[string]int{}, []string{}
	for _, diag := range harness.Diagnostics(out) {
		d := diag.String()
		if counts[d] == 0 {
			order = append(order, d)
		}
		counts[d]++
	}
	var parts []string
	for _, d := range order {
		if counts[d] > 1 {
			d = fmt.Sprintf("%s ×%d", d, counts[d])
		}
		parts = append(parts, d)
	}
	return strings.Join(parts, "; ")
}

var changeRe = regexp.MustCompile(`(?m)^\s*# .+ (?:will|must) be .+$|^Plan: .+$`)

func planChanges(out string) string {
	var lines []string
	for _, m := range changeRe.FindAllString(out, -1) {
		lines = append(lines, strings.TrimSpace(m))
	}
	return strings.Join(lines, "\n")
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("... (%d more)", len(lines)-n))
	}
	return strings.Join(lines, "\n")
}

// commit names the checkout's HEAD, and whether the tree has uncommitted changes.
func commit(root string) string {
	c, dirty := harness.GitCommit(root)
	if dirty {
		c += " with uncommitted changes"
	}
	return c
}

// Machine describes where the matrix ran and what it tested, for the report.
func (e *Env) Machine() string {
	return fmt.Sprintf("%d cores (nproc), %s/%s, Terraform %s, %s, binaries built from commit %s", runtime.NumCPU(),
		runtime.GOOS, runtime.GOARCH, e.TFVersion, runtime.Version(), e.built)
}
