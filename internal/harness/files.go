package harness

import (
	"context"
	"os"
	"os/exec"
)

// The harnesses run binaries they built or were given (Terraform, go, git) with arguments they
// made, and read and write files under the repository's .tmp/, bench/, BENCHMARKS.md and
// RELIABILITY.md, which are meant to be readable (the results are committed): the gosec rules
// about variable commands, variable paths and private modes do not apply, so they are waived
// here, once, for both harnesses.

// Command is exec.Command with a context the harness never cancels: processes are ended
// through their process group (procs.go), not through a context.
func Command(name string, args ...string) *exec.Cmd {
	return exec.CommandContext(context.Background(), name, args...) //nolint:gosec // G204: see above
}

// ReadFile is os.ReadFile.
func ReadFile(path string) ([]byte, error) {
	return os.ReadFile(path) //nolint:gosec // G304: see above
}

// WriteFile writes a file readable by all.
func WriteFile(path string, data []byte) error {
	return os.WriteFile(path, data, 0o644) //nolint:gosec // G306: see above
}

// MkdirAll makes a folder and its parents, readable by all.
func MkdirAll(path string) error {
	return os.MkdirAll(path, 0o755) //nolint:gosec // G301: see above
}

// CreateFile is os.Create.
func CreateFile(path string) (*os.File, error) {
	return os.Create(path) //nolint:gosec // G304: see above
}

// AppendFile opens a file for appending, creating it when missing.
func AppendFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) //nolint:gosec // G302, G304: see above
}

// OpenFile is os.Open.
func OpenFile(path string) (*os.File, error) {
	return os.Open(path) //nolint:gosec // G304: see above
}
