package harness

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Every process a harness starts (the sandbox, Terraform) leads a process group of its own
// (Setpgid), so that the provider plugins Terraform starts (which stay in Terraform's group)
// can be found and ended with it, and a signal meant for Terraform alone reaches Terraform
// alone. Each is registered here and ended on every exit path: by the code that started it,
// by KillAll (t.Cleanup) when a test fails or panics, by the SIGINT/SIGTERM handler, and,
// should the harness die, by the kernel (Pdeathsig).

type registry struct {
	mu   sync.Mutex
	live map[int]string // leader pid (= process group id) → what it is
}

var procs = &registry{live: map[int]string{}}

var installHandler sync.Once

// installSignalHandler makes a SIGINT or SIGTERM of the harness end every process it started
// before the harness exits; name prefixes the message it prints.
func installSignalHandler(name string) {
	installHandler.Do(func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		go func() {
			sig := <-ch
			fmt.Fprintf(os.Stderr, "%s: %v received: ending the processes the harness started\n", name, sig)
			KillAll()
			code := 130
			if sig == syscall.SIGTERM {
				code = 143
			}
			os.Exit(code)
		}()
	})
}

// KillAll ends every process the harness started and still runs, with its process group.
func KillAll() {
	procs.mu.Lock()
	pids := make([]int, 0, len(procs.live))
	for pid := range procs.live {
		pids = append(pids, pid)
	}
	procs.mu.Unlock()
	for _, pid := range pids {
		KillGroup(pid)
		procs.remove(pid)
	}
}

// Live lists what the harness started and has not ended yet (for tests).
func Live() []string {
	procs.mu.Lock()
	defer procs.mu.Unlock()
	var out []string
	for pid, what := range procs.live {
		out = append(out, fmt.Sprintf("%s (pid %d)", what, pid))
	}
	return out
}

func (r *registry) add(pid int, what string) {
	r.mu.Lock()
	r.live[pid] = what
	r.mu.Unlock()
}

func (r *registry) remove(pid int) {
	r.mu.Lock()
	delete(r.live, pid)
	r.mu.Unlock()
}

// GroupMembers lists the live processes whose process group is pgid.
func GroupMembers(pgid int) []int {
	var out []int
	for _, ps := range AllProcs() {
		if ps.PGrp == pgid {
			out = append(out, ps.PID)
		}
	}
	return out
}

// KillGroup sends SIGKILL to each live member of the process group pgid, by pid; it returns
// how many there were.
func KillGroup(pgid int) int {
	members := GroupMembers(pgid)
	for _, pid := range members {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return len(members)
}

// Child is a started process, registered until it is stopped.
type Child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, valid once done is closed
}

// StartChild starts cmd as the leader of a new process group that the kernel kills should the
// harness die, and registers it as what.
func StartChild(cmd *exec.Cmd, what string) (*Child, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &Child{cmd: cmd, done: make(chan struct{})}
	procs.add(cmd.Process.Pid, what)
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// PID is the process's id, which is also its process group's.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// Done is closed once the process has ended and been waited for.
func (c *Child) Done() <-chan struct{} { return c.done }

// Exited reports whether the process has ended (and been waited for).
func (c *Child) Exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Wait waits up to d for the process to end.
func (c *Child) Wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.done:
		return true
	case <-t.C:
		return false
	}
}

// Stop ends the process: sig first (0: straight to SIGKILL), SIGKILL after grace, then any
// process left in its group (Terraform's provider plugins after a killed Terraform). It
// returns how many leftover group members it had to kill.
func (c *Child) Stop(sig syscall.Signal, grace time.Duration) int {
	if !c.Exited() && sig != 0 {
		_ = c.cmd.Process.Signal(sig)
		c.Wait(grace)
	}
	if !c.Exited() {
		_ = c.cmd.Process.Kill()
		c.Wait(10 * time.Second)
	}
	left := KillGroup(c.PID())
	procs.remove(c.PID())
	return left
}

// ExitCode is the exit status (-1 when killed by a signal or not waited for).
func (c *Child) ExitCode() int {
	if c.cmd.ProcessState == nil {
		return -1
	}
	return c.cmd.ProcessState.ExitCode()
}

// CPUSeconds is the CPU time of the ended process and of the children it waited for
// (Terraform waits for its provider plugins).
func (c *Child) CPUSeconds() float64 {
	if c.cmd.ProcessState == nil {
		return 0
	}
	return (c.cmd.ProcessState.UserTime() + c.cmd.ProcessState.SystemTime()).Seconds()
}
