package bench

import (
	"context"
	"os"
	"os/exec"
)

// The harness runs binaries it built or was given (Terraform, go) with arguments it made, and
// reads and writes files under the repository's .tmp/bench, bench/ and BENCHMARKS.md, which
// are meant to be readable (the results are committed): the gosec rules about variable
// commands, variable paths and private modes do not apply, so they are waived here, once.

// command is exec.Command with a context the harness never cancels: processes are ended
// through their process group (procs.go), not through a context.
func command(name string, args ...string) *exec.Cmd {
	return exec.CommandContext(context.Background(), name, args...) //nolint:gosec // G204: see above
}

func readFile(path string) ([]byte, error) {
	return os.ReadFile(path) //nolint:gosec // G304: see above
}

func writeFile(path string, data []byte) error {
	return os.WriteFile(path, data, 0o644) //nolint:gosec // G306: see above
}

func mkdirAll(path string) error {
	return os.MkdirAll(path, 0o755) //nolint:gosec // G301: see above
}

func createFile(path string) (*os.File, error) {
	return os.Create(path) //nolint:gosec // G304: see above
}

func openFile(path string) (*os.File, error) {
	return os.Open(path) //nolint:gosec // G304: see above
}
