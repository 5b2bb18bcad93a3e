package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
)

// Binaries the harness builds into .tmp/bench/bin, and the no-op provider's source address.
const (
	providerExe = harness.ProviderExe
	noopExe     = "terraform-provider-noop"
	sandboxExe  = harness.SandboxExe
	noopSource  = "registry.terraform.io/bench/noop"
)

// Env is what every run shares: the binaries built once, the Terraform CLI and its
// environment (harness.Env), and how the benchmark measures.
type Env struct {
	harness.Env

	// SampleInterval is how often the provider's memory is read.
	SampleInterval time.Duration
	// ProviderLog is TF_LOG_PROVIDER for every command ("" for none).
	ProviderLog string
	// Profile: the provider is built from internal/bench/profiled and writes a CPU profile per
	// process; each phase's are summarised with go tool pprof -top.
	Profile bool
	// QuietWait: before each Terraform command, wait up to this long for the machine to be
	// quiet (other processes using under QuietCores cores over 2 s); 0 = do not wait.
	QuietWait  time.Duration
	QuietCores float64
	// Waited is how long the harness waited for quiet in all.
	Waited time.Duration

	sourceDigest string
	built        time.Time
}

// NewEnv builds the provider, the sandbox and the no-op provider into .tmp/bench/bin (with
// profile, the provider with a CPU profile into .tmp/bench/bin-profiled) and writes a
// Terraform CLI configuration whose dev_overrides point at them.
func NewEnv(root, terraform string, profile bool, logf func(string, ...any)) (*Env, error) {
	bin, providerPkg := "bin", "."
	if profile {
		bin, providerPkg = "bin-profiled", "./internal/bench/profiled"
	}
	digest, built := SourceDigest(root), time.Now() // before building: the tree may change meanwhile
	h, err := harness.NewEnv(harness.Setup{Name: "bench", Root: root, Terraform: terraform, Logf: logf,
		Bin: bin, Binaries: []harness.Binary{
			{Name: providerExe, Pkg: providerPkg}, {Name: sandboxExe, Pkg: "./cmd/cards-sandbox"},
			{Name: noopExe, Pkg: "./internal/bench/noop"},
		},
		Overrides: []string{harness.ProviderSource, noopSource}, RCFile: "terraformrc", CommandTimeout: 15 * time.Minute})
	if err != nil {
		return nil, err
	}
	return &Env{Env: *h, SampleInterval: 100 * time.Millisecond, ProviderLog: "INFO", Profile: profile, QuietCores: 0.3,
		sourceDigest: digest, built: built}, nil
}

// env is the environment of one Terraform command.
func (e *Env) env() []string {
	env := append([]string(nil), e.TFEnv...)
	if e.ProviderLog != "" {
		env = append(env, "TF_LOG_PROVIDER="+e.ProviderLog)
	}
	return env
}

// Machine describes where the benchmark ran.
type Machine struct {
	CPUs      int    `json:"nproc"`
	CPUModel  string `json:"cpu_model,omitempty"`
	MemoryMB  int    `json:"memory_mb"`
	OS        string `json:"os"`
	Terraform string `json:"terraform"`
	Go        string `json:"go"`
	Commit    string `json:"commit"`
	Dirty     bool   `json:"uncommitted_changes"`
	// SourceDigest identifies the Go sources built (see SourceDigest), Built when.
	SourceDigest string    `json:"source_digest,omitempty"`
	Built        time.Time `json:"built,omitzero"`
}

// Machine reads nproc, memory, CPU model, the Terraform and Go versions and the commit.
func (e *Env) Machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Terraform: e.TFVersion,
		Go: runtime.Version(), SourceDigest: e.sourceDigest, Built: e.built}
	m.Commit, m.Dirty = harness.GitCommit(e.Root)
	if out, err := harness.Command("nproc").Output(); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil {
			m.CPUs = n
		}
	}
	if data, err := harness.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.Atoi(f[1])
				m.MemoryMB = kb / 1024
			}
		}
	}
	if data, err := harness.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// waitQuiet waits, up to QuietWait, until processes other than the harness and what it
// started use under QuietCores cores over a 2-second window. Between commands only an idle
// sandbox of ours runs.
func (e *Env) waitQuiet(what string) {
	if e.QuietWait <= 0 {
		return
	}
	start := time.Now()
	logged := false
	for {
		busy0, _ := harness.SystemCPU()
		self0, _ := harness.ReadProcStat(os.Getpid())
		time.Sleep(2 * time.Second)
		busy1, _ := harness.SystemCPU()
		self1, _ := harness.ReadProcStat(os.Getpid())
		cores := (float64(busy1-busy0) - float64(self1.CPUTicks-self0.CPUTicks)) / harness.ClockTicks / 2
		if cores < e.QuietCores {
			break
		}
		if time.Since(start) > e.QuietWait {
			e.Logf("%s: the machine is still busy (other processes use %.1f cores) after %s: going on", what, cores,
				time.Since(start).Round(time.Second))
			break
		}
		if !logged {
			e.Logf("%s: waiting for the machine to be quiet (other processes use %.1f cores; up to %s)", what, cores, e.QuietWait)
			logged = true
		}
	}
	if waited := time.Since(start) - 2*time.Second; waited > time.Second {
		e.Waited += waited
		e.Logf("%s: quiet after %s", what, waited.Round(time.Second))
	}
}

// SourceDigest is the first 12 hex digits of a SHA-256 over the path and content of every Go
// source, go.mod and go.sum of the module (hidden folders left out): with uncommitted changes
// in the working tree, the commit alone does not say what was built.
func SourceDigest(root string) string {
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") && name != "go.mod" && name != "go.sum" {
			return nil
		}
		data, err := harness.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(data))
		_, _ = h.Write(data)
		return nil
	})
	if err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
