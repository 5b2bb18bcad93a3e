package reliability

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Every process the harness starts (the sandbox, Terraform) leads a process group of its own
// (Setpgid), so that Terraform's provider plugins can be found and ended with it, and a signal
// meant for Terraform alone reaches Terraform alone. They are registered here and ended on
// every exit path: normally by the code that started them, on a test failure by t.Cleanup,
// and on SIGINT/SIGTERM of the harness by the handler below. As a last resort the kernel ends
// the direct children when the harness dies (Pdeathsig).

type registry struct {
	mu   sync.Mutex
	live map[int]string // leader pid (= process group id) → what it is
}

var procs = &registry{live: map[int]string{}}

var installHandler sync.Once

// installSignalHandler makes a SIGINT or SIGTERM of the harness end every process it started
// before the harness exits.
func installSignalHandler() {
	installHandler.Do(func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		go func() {
			sig := <-ch
			fmt.Fprintf(os.Stderr, "reliability: %v received: ending the processes the harness started\n", sig)
			procs.killAll()
			code := 130
			if sig == syscall.SIGTERM {
				code = 143
			}
			os.Exit(code)
		}()
	})
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

// killAll ends every registered process and the members of its process group.
func (r *registry) killAll() {
	r.mu.Lock()
	pids := make([]int, 0, len(r.live))
	for pid := range r.live {
		pids = append(pids, pid)
	}
	r.mu.Unlock()
	for _, pid := range pids {
		killGroup(pid)
		r.remove(pid)
	}
}

// procAttr puts a child in a process group of its own and has the kernel kill it if the
// harness dies first.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// groupMembers lists the live processes whose process group is pgid (read from /proc, so only
// processes that are in a group the harness created).
func groupMembers(pgid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, f := range stats {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so cut at the last ')'.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) < 3 || fields[0] == "Z" {
			continue
		}
		pgrp, err := strconv.Atoi(fields[2])
		if err != nil || pgrp != pgid {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		if err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// killGroup sends SIGKILL to each live member of the process group pgid, by pid.
func killGroup(pgid int) int {
	members := groupMembers(pgid)
	for _, pid := range members {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return len(members)
}

// child is a started process with a channel closed when it has been waited for.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, valid once done is closed
}

func startChild(cmd *exec.Cmd, what string) (*child, error) {
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	procs.add(cmd.Process.Pid, what)
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has ended (and been waited for).
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// wait waits up to d for the process to end.
func (c *child) wait(d time.Duration) bool {
	select {
	case <-c.done:
		return true
	case <-time.After(d):
		return false
	}
}

// stop ends the process: sig first (0: straight to SIGKILL), SIGKILL after grace, then any
// process left in its group (Terraform's provider plugins after a killed Terraform). It
// returns how many leftover group members it had to kill.
func (c *child) stop(sig syscall.Signal, grace time.Duration) int {
	if !c.exited() && sig != 0 {
		_ = c.cmd.Process.Signal(sig)
		c.wait(grace)
	}
	if !c.exited() {
		_ = c.cmd.Process.Kill()
		c.wait(10 * time.Second)
	}
	left := killGroup(c.pid())
	procs.remove(c.pid())
	return left
}

// exitCode is the process's exit status (-1 when killed by a signal or not started).
func (c *child) exitCode() int {
	if c.cmd.ProcessState == nil {
		return -1
	}
	return c.cmd.ProcessState.ExitCode()
}
