package harness

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// TerraformCmd is one Terraform command to run.
type TerraformCmd struct {
	Dir  string   // the working directory
	Args []string // after terraform
	Env  []string // nil: Env.TFEnv
	// Log gets stdout, after the command line and before the exit line; stderr too unless
	// ErrLog is set.
	Log    string
	ErrLog string
	What   string // the process, as Live lists it
}

// TerraformRun is a started Terraform command.
type TerraformRun struct {
	Child   *Child
	Started time.Time
	Took    time.Duration // set by Wait or Finish
	log     *os.File
	errLog  *os.File
	output  bytes.Buffer // stdout, and stderr without an ErrLog
}

// StartTerraform opens the command's logs and starts it in a process group of its own.
func (e *Env) StartTerraform(tc TerraformCmd) (*TerraformRun, error) {
	r := &TerraformRun{}
	var err error
	if r.log, err = CreateFile(tc.Log); err != nil {
		return nil, err
	}
	// One writer for stdout and stderr when they share the log: exec then copies them in one
	// goroutine, in the order Terraform wrote them.
	stdout := io.MultiWriter(r.log, &r.output)
	stderr := stdout
	if tc.ErrLog != "" {
		if r.errLog, err = CreateFile(tc.ErrLog); err != nil {
			r.log.Close()
			return nil, err
		}
		stderr = r.errLog
	}
	fmt.Fprintf(r.log, "$ terraform %s\n", strings.Join(tc.Args, " "))
	cmd := Command(e.Terraform, tc.Args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = tc.Dir, tc.Env, stdout, stderr
	if cmd.Env == nil {
		cmd.Env = e.TFEnv
	}
	r.Started = time.Now()
	if r.Child, err = StartChild(cmd, tc.What); err != nil {
		r.closeLogs()
		return nil, err
	}
	return r, nil
}

// Wait waits up to timeout for Terraform to exit, and kills it (with its group) past that; it
// reports whether Terraform exited in time.
func (r *TerraformRun) Wait(timeout time.Duration) bool {
	exited := r.Child.Wait(timeout)
	if !exited {
		r.Child.Stop(syscall.SIGKILL, 0)
	}
	r.Took = time.Since(r.Started)
	return exited
}

// Finish kills whatever is left of Terraform's process group (provider plugins that outlived
// it), writes the exit line and closes the logs. It returns how many processes it killed.
func (r *TerraformRun) Finish() int {
	left := r.Child.Stop(syscall.SIGKILL, 0)
	if r.Took == 0 {
		r.Took = time.Since(r.Started)
	}
	fmt.Fprintf(r.log, "\n# exit %d after %s\n", r.Child.ExitCode(), r.Took.Round(time.Millisecond))
	r.closeLogs()
	return left
}

func (r *TerraformRun) closeLogs() {
	r.log.Close()
	if r.errLog != nil {
		r.errLog.Close()
	}
}

// Output is what Terraform printed to stdout (and stderr without an ErrLog); read it once
// Terraform has exited.
func (r *TerraformRun) Output() string { return r.output.String() }

// Diagnostic is one "Error: summary" or "Warning: summary" Terraform printed.
type Diagnostic struct {
	Severity string // Error or Warning
	Summary  string
}

func (d Diagnostic) String() string { return d.Severity + ": " + d.Summary }

var diagRe = regexp.MustCompile(`(?m)^(?:│ )?(Error|Warning): (.+)$`)

// Diagnostics lists the diagnostics of Terraform's output, in order, without the warning about
// development overrides: every command prints it, the harnesses install the provider so.
func Diagnostics(out string) []Diagnostic {
	var list []Diagnostic
	for _, m := range diagRe.FindAllStringSubmatch(out, -1) {
		d := Diagnostic{Severity: m[1], Summary: strings.TrimSpace(m[2])}
		if d.Severity == "Warning" && strings.Contains(d.Summary, "development overrides") {
			continue
		}
		list = append(list, d)
	}
	return list
}
