package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests need no Terraform.

func TestParseProc(t *testing.T) {
	ps, ok := ParseProcStat(42, "42 (terraform-provi (x) y) S 7 9 9 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 12 0")
	if !ok || ps.PPID != 7 || ps.PGrp != 9 || ps.Comm != "terraform-provi (x) y" || ps.CPUTicks != 280 || ps.State != "S" {
		t.Errorf("parsed %+v ok=%v", ps, ok)
	}
	hwm, rss, ok := ParseMemoryKB("Name:\tx\nVmPeak:\t 900 kB\nVmHWM:\t  51200 kB\nVmRSS:\t  40960 kB\n")
	if !ok || hwm != 51200 || rss != 40960 {
		t.Errorf("hwm %d rss %d ok %v", hwm, rss, ok)
	}
}

func TestGroupMembers(t *testing.T) {
	c, err := StartChild(exec.CommandContext(t.Context(), "sleep", "30"), "sleep")
	if err != nil {
		t.Skip("no sleep command:", err)
	}
	defer c.Stop(0, 0)
	if m := GroupMembers(c.PID()); len(m) != 1 || m[0] != c.PID() {
		t.Errorf("group members %v, want [%d]", m, c.PID())
	}
	if live := Live(); len(live) != 1 || !strings.HasPrefix(live[0], "sleep (pid ") {
		t.Errorf("live %v", live)
	}
	c.Stop(0, 0)
	if !c.Exited() || len(GroupMembers(c.PID())) != 0 || len(Live()) != 0 {
		t.Error("the process survived stop, or is still registered")
	}
}

func TestWriteCLIConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "terraformrc")
	if err := writeCLIConfig(path, "bench", "/b", []string{ProviderSource, "registry.terraform.io/bench/noop"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := `# Written by internal/bench: the providers built from this checkout, no registry access.
provider_installation {
  dev_overrides {
    "registry.terraform.io/arthawork/cards" = "/b"
    "registry.terraform.io/bench/noop"      = "/b"
  }
  direct {}
}
`
	if string(data) != want {
		t.Errorf("got\n%s\nwant\n%s", data, want)
	}
	if err := writeCLIConfig(path, "reliability", "/r", []string{ProviderSource}); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if !strings.HasPrefix(string(data), "# Written by internal/reliability: the provider built") ||
		!strings.Contains(string(data), "\n    \"registry.terraform.io/arthawork/cards\" = \"/r\"\n") {
		t.Errorf("got\n%s", data)
	}
}

func TestCleanEnv(t *testing.T) {
	t.Setenv("TF_DATA_DIR", "/elsewhere")
	t.Setenv("CARDS_BASE_URL", "https://example.com")
	t.Setenv("CHECKPOINT_DISABLE", "")
	t.Setenv("HARNESS_TEST_KEEP", "1")
	env := strings.Join(cleanEnv("/rc"), "\n") + "\n"
	for _, gone := range []string{"TF_DATA_DIR=", "CARDS_BASE_URL=", "CHECKPOINT_DISABLE=\n"} {
		if strings.Contains(env, gone) {
			t.Errorf("%s kept", gone)
		}
	}
	for _, kept := range []string{"HARNESS_TEST_KEEP=1\n", "CHECKPOINT_DISABLE=1\n", "TF_IN_AUTOMATION=1\n", "TF_CLI_CONFIG_FILE=/rc\n"} {
		if !strings.Contains(env, kept) {
			t.Errorf("%s missing", kept)
		}
	}
}

func TestDiagnostics(t *testing.T) {
	out := "╷\n│ Warning: Provider development overrides are in effect\n╵\n│ Error: Card application outcome unknown\n" +
		"Warning: Card adopted from an earlier run\n"
	got := Diagnostics(out)
	if len(got) != 2 || got[0] != (Diagnostic{"Error", "Card application outcome unknown"}) ||
		got[1].String() != "Warning: Card adopted from an earlier run" {
		t.Errorf("diagnostics %q", got)
	}
}

func TestRepoRoot(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// A test runs in its package's folder, internal/harness.
	if root, err := RepoRoot(); err != nil || root != filepath.Dir(filepath.Dir(wd)) {
		t.Errorf("root %q, %v", root, err)
	}
}
