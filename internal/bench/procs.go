package bench

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
// (Setpgid), so that the provider plugins Terraform starts (which stay in Terraform's group)
// can be found and ended with it. Each is registered here and ended on every exit path: by
// the code that started it, by KillAll (t.Cleanup) when a test fails or panics, by the
// SIGINT/SIGTERM handler, and, should the harness die, by the kernel (Pdeathsig).

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
			fmt.Fprintf(os.Stderr, "bench: %v received: ending the processes the harness started\n", sig)
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
		killGroup(pid)
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

// procStat is what the harness reads of /proc/<pid>/stat.
type procStat struct {
	pid, ppid, pgrp int
	comm            string
	state           string
	cpuTicks        int64 // utime + stime of the process itself
}

// clockTicks is USER_HZ, 100 on every Linux the harness runs on.
const clockTicks = 100

func readProcStat(pid int) (procStat, bool) {
	data, err := readFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	return parseProcStat(pid, string(data))
}

// parseProcStat reads "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
// majflt cmajflt utime stime ...": comm may hold spaces and parentheses, so it is cut at the
// last ')'.
func parseProcStat(pid int, s string) (procStat, bool) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 13 {
		return procStat{}, false
	}
	ps := procStat{pid: pid, comm: s[open+1 : end], state: f[0]}
	ps.ppid, _ = strconv.Atoi(f[1])
	ps.pgrp, _ = strconv.Atoi(f[2])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	ps.cpuTicks = utime + stime
	return ps, true
}

// allProcs lists the live processes (not zombies).
func allProcs() []procStat {
	entries, _ := os.ReadDir("/proc")
	out := make([]procStat, 0, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ps, ok := readProcStat(pid); ok && ps.state != "Z" {
			out = append(out, ps)
		}
	}
	return out
}

// groupMembers lists the live processes whose process group is pgid.
func groupMembers(pgid int) []int {
	var out []int
	for _, ps := range allProcs() {
		if ps.pgrp == pgid {
			out = append(out, ps.pid)
		}
	}
	return out
}

// killGroup sends SIGKILL to each live member of the process group pgid, by pid; it returns
// how many there were.
func killGroup(pgid int) int {
	members := groupMembers(pgid)
	for _, pid := range members {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return len(members)
}

// child is a started process with a channel closed once it has been waited for.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startChild(cmd *exec.Cmd, what string) (*child, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
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

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *child) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.done:
		return true
	case <-t.C:
		return false
	}
}

// stop ends the process: sig first (0: straight to SIGKILL), SIGKILL after grace, then any
// process left in its group. It returns how many leftover group members it killed.
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

// exitCode is the exit status (-1 when killed by a signal or not waited for).
func (c *child) exitCode() int {
	if c.cmd.ProcessState == nil {
		return -1
	}
	return c.cmd.ProcessState.ExitCode()
}

// cpuSeconds is the CPU time of the ended process and of the children it waited for
// (Terraform waits for its provider plugins).
func (c *child) cpuSeconds() float64 {
	if c.cmd.ProcessState == nil {
		return 0
	}
	return (c.cmd.ProcessState.UserTime() + c.cmd.ProcessState.SystemTime()).Seconds()
}

// exeBase is the base name of a process's executable ("" when unreadable).
func exeBase(pid int) string {
	data, err := readFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(data) == 0 {
		return ""
	}
	argv0, _, _ := strings.Cut(string(data), "\x00")
	return filepath.Base(argv0)
}

// memoryKB reads VmHWM (peak resident set) and VmRSS of a process, in kB.
func memoryKB(pid int) (hwm, rss int64, ok bool) {
	data, err := readFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	return parseMemoryKB(string(data))
}

func parseMemoryKB(status string) (hwm, rss int64, ok bool) {
	for _, line := range strings.Split(status, "\n") {
		name, rest, found := strings.Cut(line, ":")
		if !found || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		if name == "VmHWM" {
			hwm, ok = v, true
		} else {
			rss = v
		}
	}
	return hwm, rss, ok
}

// systemCPU reads the machine's busy and total jiffies from /proc/stat.
func systemCPU() (busy, total int64) {
	data, err := readFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	// user nice system idle iowait irq softirq steal guest guest_nice: guest time is already
	// in user and nice; steal is nobody's here.
	for i, v := range f[1:] {
		if i > 7 {
			break
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		total += n
		if i != 3 && i != 4 && i != 7 {
			busy += n
		}
	}
	return busy, total
}

// loadAverage is the one-minute load average ("" when unreadable).
func loadAverage() string {
	data, err := readFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
