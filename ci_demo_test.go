package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCIDemo runs scripts/ci-demo.sh (make ci-demo): the pipeline of examples/ci played locally
// against a real PostgreSQL state backend and the sandbox. It checks the script's exit code and
// the lines that carry the pipeline's promises: the saved plan holds none of the secrets fed
// through ephemeral variables and the environment, a second apply waits on the state lock and
// then finds nothing to do, a stale saved plan is refused, a cancelled apply job saves its card
// and the next run issues no second one.
//
// It needs the Terraform CLI (1.11 or later), TF_ACC=1 and PostgreSQL's server binaries, which
// the script installs with apt-get when it runs as root (`make testcidemo`, part of `make test`;
// .ci/run installs PostgreSQL too).
func TestCIDemo(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run scripts/ci-demo.sh with the Terraform CLI, PostgreSQL and the sandbox (make testcidemo)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("scripts/ci-demo.sh runs PostgreSQL the Debian way (/usr/lib/postgresql/*/bin, runuser): Linux only")
	}
	cli := terraformCLI(t)
	version := cliVersion(t, cli)
	if version[0] < 1 || version[0] == 1 && version[1] < 11 {
		t.Skipf("the CI example uses write-only arguments fed by ephemeral variables, which need CLI version 1.11 or later; this CLI is %d.%d.%d",
			version[0], version[1], version[2])
	}
	if _, err := exec.LookPath("unzip"); (err != nil || !postgresAvailable()) && os.Geteuid() != 0 {
		t.Skip("PostgreSQL's server binaries or unzip are missing, and only root may let the script install them (apt-get install postgresql unzip)")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("scripts", "ci-demo.sh"))
	cmd.Env = append(cliEnv(), "TERRAFORM="+cli)
	// On timeout: SIGTERM first, so that the script stops Terraform, PostgreSQL and the sandbox.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start).Round(time.Second)
	transcript := string(out)
	if err != nil {
		t.Fatalf("scripts/ci-demo.sh failed after %s: %v\n%s", elapsed, err, tail(transcript, 120))
	}
	t.Logf("scripts/ci-demo.sh passed in %s", elapsed)

	for _, want := range []struct{ what, pattern string }{
		{"the plan is saved with -out", `(?m)^Plan: 4 to add, 0 to change, 0 to destroy\.$`},
		{"the control value is found in the plan", `(?m)^Control: a value that belongs in the plan .* is found in [1-9][0-9]* of these files$`},
		{"no secret in the saved plan", `(?m)^Secret values found in the saved plan: 0 \(20 values searched in [0-9]+ members and terraform show -json\)$`},
		{"the saved plan is applied", `(?m)^\[\+ *[0-9.]+s\] Apply complete! Resources: 4 added, 0 changed, 0 destroyed\.$`},
		{"the second apply waits on the lock", `(?m)^\[\+ *[0-9.]+s\] Acquiring state lock\. This may take a few moments\.\.\.$`},
		{"the wait is measured and then nothing is done", `(?m)^The second apply waited [0-9.]+s on the state lock \(the first finished at \+[0-9.]+s\), then found nothing to do: 0 added, 0 changed, 0 destroyed\.$`},
		{"no secret in the state or .terraform", `(?m)^Secret values found in the state and in [0-9]+ files under \.terraform/: 0$`},
		{"the lock is released", `(?m)^Advisory locks held now: 0$`},
		{"the stale plan is refused", `(?m)^  \| Error: Saved plan is stale$`},
		{"the refusal is reported", `(?m)^Refused \(exit 1\): Saved plan is stale\.`},
		{"the cancelled job saves its card", `(?m)Warning: Card saved unfinished: Terraform was interrupted$`},
		{"the saved card is not tainted", `(?m)^In the state \(read from PostgreSQL by a fresh checkout\): cards_card\.team\["security"\], status [A-Za-z]+, not tainted$`},
		{"no duplicate card", `(?m)^One security card on the platform, no duplicate: 5 live cards \(4 before PR #4\)\.$`},
		{"everything is destroyed", `(?m)^Destroy complete! Resources: 5 destroyed\.$`},
		{"the script finishes", `(?m)^CI demo complete in [0-9]+s: `},
	} {
		if !regexp.MustCompile(want.pattern).MatchString(transcript) {
			t.Errorf("%s: no line matching %s", want.what, want.pattern)
		}
	}
	if strings.Contains(transcript, "HIT:") {
		t.Errorf("a scan found a secret:\n%s", grepLines(transcript, "HIT:"))
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", transcript)
	}
}

// postgresAvailable reports whether PostgreSQL's initdb and pg_ctl are installed where the
// script looks for them.
func postgresAvailable() bool {
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl"); len(dirs) > 0 {
		return true
	}
	_, errCtl := exec.LookPath("pg_ctl")
	_, errInit := exec.LookPath("initdb")
	return errCtl == nil && errInit == nil
}

func tail(s string, lines int) string {
	all := strings.Split(s, "\n")
	if len(all) <= lines {
		return s
	}
	return "[...]\n" + strings.Join(all[len(all)-lines:], "\n")
}

func grepLines(s, substr string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
