package reliability

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// Env is what every scenario shares: the binaries built once, the Terraform CLI and its
// environment.
type Env struct {
	Root      string // repository root
	Out       string // Root/.tmp/reliability
	Bin       string // Out/bin: terraform-provider-cards and cards-sandbox
	Terraform string
	TFVersion string
	Logf      func(format string, args ...any)
	built     string // the commit the binaries were built from, as Machine reports it

	// CommandTimeout bounds one Terraform command; past it the command is killed.
	CommandTimeout time.Duration

	rcFile string
	tfEnv  []string
}

// NewEnv builds the provider and the sandbox into .tmp/reliability/bin and writes a Terraform
// CLI configuration whose dev_overrides point at the provider.
func NewEnv(root, terraform string, logf func(string, ...any)) (*Env, error) {
	installSignalHandler()
	if logf == nil {
		logf = func(string, ...any) {}
	}
	e := &Env{Root: root, Out: filepath.Join(root, ".tmp", "reliability"), Terraform: terraform, Logf: logf,
		CommandTimeout: 8 * time.Minute}
	// Binaries of this run only: another run in the same checkout (make test while make
	// reliability runs) must not rebuild them under it from a tree that has changed since.
	e.Bin = filepath.Join(e.Out, "bin", strconv.Itoa(os.Getpid()))
	removeStaleBins(filepath.Dir(e.Bin))
	if err := os.MkdirAll(e.Bin, 0o755); err != nil {
		return nil, err
	}
	e.built = e.commit() // before building: the tree may change while the run goes on
	for _, b := range []struct{ out, pkg string }{
		{"terraform-provider-cards", "."}, {"cards-sandbox", "./cmd/cards-sandbox"},
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(e.Bin, b.out), b.pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building %s: %v\n%s", b.pkg, err, out)
		}
	}
	e.rcFile = filepath.Join(e.Bin, "terraformrc")
	rc := fmt.Sprintf(`# Written by internal/reliability: the provider built from this checkout, no registry access.
provider_installation {
  dev_overrides {
    "registry.terraform.io/arthawork/cards" = %q
  }
  direct {}
}
`, e.Bin)
	if err := os.WriteFile(e.rcFile, []byte(rc), 0o644); err != nil {
		return nil, err
	}
	// A clean, offline environment: none of the caller's TF_* or CARDS_* settings (TF_DATA_DIR
	// would move the provider's journal; CARDS_* would override nothing, but stay out).
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "CARDS_") || name == "CHECKPOINT_DISABLE" {
			continue
		}
		e.tfEnv = append(e.tfEnv, kv)
	}
	e.tfEnv = append(e.tfEnv, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE="+e.rcFile)
	if lvl := os.Getenv("CARDS_RELIABILITY_TF_LOG"); lvl != "" {
		e.tfEnv = append(e.tfEnv, "TF_LOG_PROVIDER="+lvl)
	}
	out, err := e.command("", "version", "-json")
	if err != nil {
		return nil, fmt.Errorf("%s version -json: %v\n%s", terraform, err, out)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, fmt.Errorf("%s version -json: %v", terraform, err)
	}
	e.TFVersion = v.Version
	return e, nil
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

// command runs a short Terraform command (no disruption) and returns its stdout.
func (e *Env) command(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command(e.Terraform, args...)
	cmd.Dir = dir
	cmd.Env = e.tfEnv
	return cmd.Output()
}

// run is one scenario in progress.
type run struct {
	env *Env
	sc  Scenario
	res *Result

	dir, work                            string
	keyFile, stateFile, readyFile, sbLog string

	mu      sync.Mutex // guards sb (a restart replaces it while Terraform runs)
	sb      *child
	addr    string // host:port, kept across a restart
	apiURL  string
	control string

	step        int
	everInState map[string]bool // card ids any state held, after any command
	imported    map[string]bool // card ids the operator imported
	finalCards  map[string]bool // card ids in state after the converged apply
	tainted     map[string]bool // "address id" of card instances seen tainted
	http        *http.Client
}

// Run runs one scenario and returns what it measured. It never panics on a provider failure:
// those are in the result (Violations).
func (e *Env) Run(sc Scenario) *Result {
	sc = sc.withDefaults()
	start := time.Now()
	r := &run{env: e, sc: sc, res: newResult(sc), everInState: map[string]bool{}, imported: map[string]bool{},
		finalCards: map[string]bool{}, tainted: map[string]bool{}, http: &http.Client{Timeout: 10 * time.Second}}
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
	if err := os.MkdirAll(r.work, 0o755); err != nil {
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
		if err := r.controlJSON(http.MethodPut, "faults", []byte(r.sc.Faults), nil); err != nil {
			return fmt.Errorf("PUT /sandbox/faults: %w", err)
		}
	}
	return os.WriteFile(filepath.Join(r.work, "main.tf"), []byte(r.sc.Config(r.apiURL, r.keyFile)), 0o644)
}

// startSandbox starts the sandbox on addr (port 0: a free port) and waits for its ready file.
func (r *run) startSandbox(addr string) error {
	_ = os.Remove(r.readyFile)
	logFile, err := os.OpenFile(r.sbLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	args := append([]string{"-addr", addr, "-key-out", r.keyFile, "-ready-file", r.readyFile, "-state-file", r.stateFile},
		r.sc.sandboxArgs()...)
	fmt.Fprintf(logFile, "=== %s cards-sandbox %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(args, " "))
	cmd := exec.Command(filepath.Join(r.env.Bin, "cards-sandbox"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	c, err := startChild(cmd, "cards-sandbox "+r.sc.Name)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if data, err := os.ReadFile(r.readyFile); err == nil && len(bytes.TrimSpace(data)) > 0 {
			api := strings.TrimSpace(string(data))
			u, err := url.Parse(api)
			if err != nil || u.Hostname() != "127.0.0.1" {
				c.stop(syscall.SIGTERM, 5*time.Second)
				return fmt.Errorf("sandbox announced %q, not a loopback URL", api)
			}
			r.mu.Lock()
			r.sb, r.addr, r.apiURL = c, u.Host, api
			r.control = strings.TrimSuffix(api, "/api/v1") + "/sandbox"
			r.mu.Unlock()
			return nil
		}
		if c.exited() {
			procs.remove(c.pid())
			return fmt.Errorf("the sandbox exited (%v); see %s", c.err, r.sbLog)
		}
		if time.Now().After(deadline) {
			c.stop(syscall.SIGTERM, 5*time.Second)
			return fmt.Errorf("the sandbox did not become ready within 30s; see %s", r.sbLog)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *run) stopSandbox() {
	r.mu.Lock()
	c := r.sb
	r.sb = nil
	r.mu.Unlock()
	if c != nil {
		c.stop(syscall.SIGTERM, 10*time.Second)
	}
}

// restartSandbox kills the sandbox (SIGKILL: a crash, no graceful save beyond what it saved
// per change) and starts it again with the same port, key and state file.
func (r *run) restartSandbox(down time.Duration) error {
	r.mu.Lock()
	c, addr := r.sb, r.addr
	r.mu.Unlock()
	c.stop(0, 0)
	time.Sleep(down)
	var err error
	for i := 0; i < 20; i++ { // the port may take a moment to be free again
		if err = r.startSandbox(addr); err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return err
}

// controlJSON calls the sandbox's control API (loopback only) and decodes the answer into out.
func (r *run) controlJSON(method, path string, body []byte, out any) error {
	r.mu.Lock()
	base := r.control
	r.mu.Unlock()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, base+"/"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s /sandbox/%s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

func (r *run) counters() (map[string]int, error) {
	var c map[string]int
	err := r.controlJSON(http.MethodGet, "counters", nil, &c)
	return c, err
}

func (r *run) sandboxCards() ([]sandbox.CardInfo, error) {
	var cards []sandbox.CardInfo
	err := r.controlJSON(http.MethodGet, "cards", nil, &cards)
	return cards, err
}

func (r *run) sandboxTopUps() ([]sandbox.TopUpInfo, error) {
	var topUps []sandbox.TopUpInfo
	err := r.controlJSON(http.MethodGet, "topups", nil, &topUps)
	return topUps, err
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
	logFile, err := os.Create(tr.Log)
	if err != nil {
		r.res.problem("%s: %v", name, err)
		return tr
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "$ terraform %s\n", strings.Join(args, " "))
	var buf bytes.Buffer
	w := io.MultiWriter(logFile, &buf) // one writer for both streams: exec copies them in one goroutine
	cmd := exec.Command(r.env.Terraform, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = r.work, r.env.tfEnv, w, w

	var base map[string]int
	if d != nil {
		if base, err = r.counters(); err != nil {
			r.res.problem("%s: reading counters: %v", name, err)
			d = nil
		}
	}
	c, err := startChild(cmd, "terraform "+name+" "+r.sc.Name)
	if err != nil {
		r.res.problem("%s: starting terraform: %v", name, err)
		return tr
	}
	defer func() {
		if left := c.stop(syscall.SIGKILL, 0); left > 0 && tr.Fired == "" {
			r.res.problem("%s: %d process(es) of terraform's group were still running after it exited; killed", name, left)
		}
		tr.Code = c.exitCode()
		tr.Output = buf.String()
		fmt.Fprintf(logFile, "\n# exit %d after %s\n", tr.Code, time.Since(start).Round(time.Millisecond))
		r.res.Commands = append(r.res.Commands, CommandRecord{Name: name, Exit: tr.Code, Took: time.Since(start),
			Fired: tr.Fired, Log: relPath(r.env.Root, tr.Log)})
	}()

	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(r.env.CommandTimeout)
	defer deadline.Stop()
	for {
		select {
		case <-c.done:
			return tr
		case <-deadline.C:
			r.res.problem("%s: still running after %s; killed", name, r.env.CommandTimeout)
			c.stop(syscall.SIGKILL, 0)
			return tr
		case <-tick.C:
			if d == nil {
				continue
			}
			now, err := r.counters()
			if err != nil || now[d.Counter]-base[d.Counter] < d.AtLeast {
				continue
			}
			tr.Fired = r.disrupt(c, d, now, time.Since(start))
			r.res.Disrupted = tr.Fired
			r.logf("%s: %s", name, tr.Fired)
			d = nil
		}
	}
}

// disrupt performs d on the running Terraform c; it returns what it did.
func (r *run) disrupt(c *child, d *Disruption, now map[string]int, after time.Duration) string {
	at := fmt.Sprintf("after %s (sandbox counters: ApplyCard %d received/%d processed, CardTopUp %d/%d, CancelCard %d/%d)",
		after.Round(100*time.Millisecond), now["ApplyCard"], now["ApplyCard.processed"], now["CardTopUp"],
		now["CardTopUp.processed"], now["CancelCard"], now["CancelCard.processed"])
	switch d.Action {
	case ActionSIGINT:
		_ = syscall.Kill(c.pid(), syscall.SIGINT)
		if !c.wait(4 * time.Minute) {
			r.res.problem("terraform did not exit within 4 minutes of SIGINT; killed")
			c.stop(syscall.SIGKILL, 0)
		}
		return "SIGINT to terraform " + at
	case ActionSIGKILL:
		others := groupMembers(c.pid()) // terraform and its provider plugins
		_ = syscall.Kill(c.pid(), syscall.SIGKILL)
		n := 0 // then at once the plugins: a lost runner takes them too
		for _, pid := range others {
			if pid != c.pid() && syscall.Kill(pid, syscall.SIGKILL) == nil {
				n++
			}
		}
		c.wait(10 * time.Second)
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
	if st, err := r.readState(); err == nil {
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
}

// missingCardKey is the first card key without an instance in state ("" if none).
func (r *run) missingCardKey() string {
	st, err := r.readState()
	if err != nil {
		return ""
	}
	held := map[string]bool{}
	for _, in := range st.cards() {
		held[in.Key] = true
	}
	for _, k := range r.sc.cardKeys() {
		if !held[k] {
			return k
		}
	}
	return ""
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
	for _, s := range diagnosticList(tr.Output) {
		if !strings.Contains(s, "development overrides") {
			r.res.addDiag(string(phase), s)
		}
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
		_ = os.WriteFile(filepath.Join(r.dir, "result.json"), data, 0o644)
	}
}

func relPath(root, p string) string {
	if rel, err := filepath.Rel(root, p); err == nil {
		return rel
	}
	return p
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
	data, err := os.ReadFile(path)
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
		data, err := os.ReadFile(f)
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

var diagRe = regexp.MustCompile(`(?m)^(?:│ )?(Error|Warning): (.+)$`)

// diagnosticList lists "Error: summary" and "Warning: summary" lines, as printed.
func diagnosticList(out string) []string {
	var list []string
	for _, m := range diagRe.FindAllStringSubmatch(out, -1) {
		list = append(list, m[1]+": "+strings.TrimSpace(m[2]))
	}
	return list
}

// countedSummaries is the diagnostics of an output on one line: "Error: X ×10; Warning: Y".
func countedSummaries(out string) string {
	counts, order := map[string]int{}, []string{}
	for _, d := range diagnosticList(out) {
		if strings.Contains(d, "development overrides") {
			continue
		}
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
func (e *Env) commit() string {
	out, err := exec.Command("git", "-C", e.Root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", e.Root, "status", "--porcelain").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		commit += " with uncommitted changes"
	}
	return commit
}

// Machine describes where the matrix ran and what it tested, for the report.
func (e *Env) Machine() string {
	return fmt.Sprintf("%d cores (nproc), %s/%s, Terraform %s, %s, binaries built from commit %s", runtime.NumCPU(),
		runtime.GOOS, runtime.GOARCH, e.TFVersion, runtime.Version(), e.built)
}
