// Command profiled is the cards provider exactly as main.go serves it, plus a CPU profile:
// when CARDS_BENCH_CPUPROFILE_DIR is set, each provider process writes
// <dir>/provider-<pid>.pprof from its start until Terraform shuts it down (go-plugin's
// graceful shutdown returns from Serve, so the profile is complete), and then what it
// allocated to <dir>/provider-<pid>.allocs. The lifecycle benchmark
// (internal/bench, CARDS_BENCH=profile) builds it as terraform-provider-cards to see where the
// provider's CPU time goes; the provider itself has no profiling hook.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/arthawork/terraform-provider-cards/internal/provider"
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	stop := startProfile(os.Getenv("CARDS_BENCH_CPUPROFILE_DIR"))
	err := provider.Serve(context.Background(), "dev", debug)
	stop()
	if err != nil {
		log.Fatal(err.Error())
	}
}

// startProfile starts a CPU profile into dir ("" for none) and returns what ends it.
func startProfile(dir string) func() {
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("provider-%d.pprof", os.Getpid()))) //nolint:gosec // G304: the benchmark names the folder
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
		writeAllocs(dir)
	}
}

// writeAllocs writes the bytes the process allocated, by where (a sample of them, as Go's
// runtime keeps it), to <dir>/provider-<pid>.allocs: the garbage collector's work follows them.
func writeAllocs(dir string) {
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("provider-%d.allocs", os.Getpid()))) //nolint:gosec // G304: as above
	if err != nil {
		return
	}
	_ = pprof.Lookup("allocs").WriteTo(f, 0)
	_ = f.Close()
}
