// Package harness is what the two harnesses that drive the real Terraform CLI against the
// sandbox share: internal/bench (make bench, the lifecycle benchmark) and internal/reliability
// (make reliability, the fault matrix). It builds the provider and the sandbox from the
// checkout, writes a Terraform CLI configuration whose dev_overrides point at them, gives
// Terraform a clean, offline environment, starts and stops cards-sandbox processes and talks
// to their control API, runs Terraform commands into log files, and ends every process it
// started on every exit path.
package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Names of the binaries the harnesses build, and the source address of the cards provider.
const (
	ProviderExe    = "terraform-provider-cards"
	SandboxExe     = "cards-sandbox"
	ProviderSource = "registry.terraform.io/arthawork/cards"
)

// Env is what every run of a harness shares: the binaries built once from the checkout, the
// Terraform CLI and the environment it runs in.
type Env struct {
	Root      string // repository root
	Out       string // Root/.tmp/<harness>: everything the harness writes but its reports
	Bin       string // the binaries built from the checkout
	Terraform string
	TFVersion string
	Logf      func(format string, args ...any)

	// CommandTimeout bounds one Terraform command; past it the command is killed.
	CommandTimeout time.Duration
	// TFEnv is the environment of every Terraform command (see cleanEnv).
	TFEnv []string
}

// Binary is a program built from a package of the checkout.
type Binary struct {
	Name string // the executable's name in Env.Bin
	Pkg  string // the package, relative to the repository root
}

// Setup says how NewEnv prepares an Env.
type Setup struct {
	Name      string // the harness ("bench"): its folder .tmp/<Name>, its messages
	Root      string
	Terraform string
	Logf      func(format string, args ...any) // nil: no log

	Bin       string   // the binaries' folder, relative to Out
	Binaries  []Binary // built into Bin
	Overrides []string // provider source addresses dev_overrides point at Bin
	RCFile    string   // the Terraform CLI configuration, relative to Out
	ExtraEnv  []string // added to the environment of every Terraform command

	CommandTimeout time.Duration
}

// NewEnv builds the setup's binaries into Bin, writes a Terraform CLI configuration whose
// dev_overrides point at them, and reads the Terraform CLI's version.
func NewEnv(s Setup) (*Env, error) {
	installSignalHandler(s.Name)
	logf := s.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	out := filepath.Join(s.Root, ".tmp", s.Name)
	e := &Env{Root: s.Root, Out: out, Bin: filepath.Join(out, s.Bin), Terraform: s.Terraform, Logf: logf,
		CommandTimeout: s.CommandTimeout}
	if err := MkdirAll(e.Bin); err != nil {
		return nil, err
	}
	if err := build(s.Root, e.Bin, s.Binaries); err != nil {
		return nil, err
	}
	rcFile := filepath.Join(out, s.RCFile)
	if err := writeCLIConfig(rcFile, s.Name, e.Bin, s.Overrides); err != nil {
		return nil, err
	}
	e.TFEnv = append(cleanEnv(rcFile), s.ExtraEnv...)
	version, err := terraformVersion(s.Terraform, e.TFEnv)
	if err != nil {
		return nil, err
	}
	e.TFVersion = version
	return e, nil
}

// build runs go build for each binary, from the repository root.
func build(root, bin string, binaries []Binary) error {
	for _, b := range binaries {
		cmd := Command("go", "build", "-o", filepath.Join(bin, b.Name), b.Pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %w\n%s", b.Pkg, err, out)
		}
	}
	return nil
}

// writeCLIConfig writes a Terraform CLI configuration that serves the providers of sources
// from dir (dev_overrides: no terraform init, no registry access).
func writeCLIConfig(path, harness, dir string, sources []string) error {
	width := 0
	for _, s := range sources {
		width = max(width, len(s))
	}
	var b strings.Builder
	what := "the provider"
	if len(sources) > 1 {
		what = "the providers"
	}
	fmt.Fprintf(&b, "# Written by internal/%s: %s built from this checkout, no registry access.\n", harness, what)
	b.WriteString("provider_installation {\n  dev_overrides {\n")
	for _, s := range sources {
		fmt.Fprintf(&b, "    %-*s = %q\n", width+2, fmt.Sprintf("%q", s), dir)
	}
	b.WriteString("  }\n  direct {}\n}\n")
	return WriteFile(path, []byte(b.String()))
}

// cleanEnv is the caller's environment without any TF_* or CARDS_* setting (TF_DATA_DIR would
// move the provider's journal, TF_CLI_CONFIG_FILE the providers; CARDS_* would override
// nothing, but stay out), offline and non-interactive, with the CLI configuration rcFile.
func cleanEnv(rcFile string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "CARDS_") || name == "CHECKPOINT_DISABLE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE="+rcFile)
}

// terraformVersion asks the Terraform CLI for its version.
func terraformVersion(terraform string, env []string) (string, error) {
	cmd := Command(terraform, "version", "-json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s version -json: %w\n%s", terraform, err, out)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return "", fmt.Errorf("%s version -json: %w", terraform, err)
	}
	return v.Version, nil
}

// GitCommit is the checkout's HEAD, short ("unknown" outside a repository), and whether the
// working tree has uncommitted changes.
func GitCommit(root string) (commit string, dirty bool) {
	out, err := Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown", false
	}
	if st, err := Command("git", "-C", root, "status", "--porcelain").Output(); err == nil {
		dirty = len(bytes.TrimSpace(st)) > 0
	}
	return strings.TrimSpace(string(out)), dirty
}

// RepoRoot is the repository root: the nearest folder above the working directory (a test's:
// its package's) that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root not found: no go.mod above the working directory")
		}
		dir = parent
	}
}

// TerraformCLI is the Terraform CLI the harnesses drive: TF_ACC_TERRAFORM_PATH, else terraform
// on the PATH.
func TerraformCLI() (string, error) {
	if tf := os.Getenv("TF_ACC_TERRAFORM_PATH"); tf != "" {
		return tf, nil
	}
	tf, err := exec.LookPath("terraform")
	if err != nil {
		return "", errors.New("no Terraform CLI: set TF_ACC_TERRAFORM_PATH or put terraform on the PATH")
	}
	return tf, nil
}

// RelPath is p relative to root, or p when it has none.
func RelPath(root, p string) string {
	if rel, err := filepath.Rel(root, p); err == nil {
		return rel
	}
	return p
}

// TestSetup is the start of a harness's test: the repository root and the Terraform CLI (the
// test fails without them), and a cleanup that ends every process the harness started, so that
// a failed or panicking test leaves nothing running.
func TestSetup(t testing.TB) (root, terraform string) {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if terraform, err = TerraformCLI(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(KillAll)
	return root, terraform
}
