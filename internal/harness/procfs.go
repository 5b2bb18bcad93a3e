package harness

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// What the harnesses read of /proc: the process table (to find a process group's members and
// Terraform's provider plugins), a process's memory, and the machine's CPU time and load.

// ProcStat is what the harness reads of /proc/<pid>/stat.
type ProcStat struct {
	PID, PPID, PGrp int
	Comm            string
	State           string
	CPUTicks        int64 // utime + stime of the process itself
}

// ClockTicks is USER_HZ, 100 on every Linux the harness runs on.
const ClockTicks = 100

// ReadProcStat reads /proc/<pid>/stat.
func ReadProcStat(pid int) (ProcStat, bool) {
	data, err := ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ProcStat{}, false
	}
	return ParseProcStat(pid, string(data))
}

// ParseProcStat reads "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
// majflt cmajflt utime stime ...": comm may hold spaces and parentheses, so it is cut at the
// last ')'.
func ParseProcStat(pid int, s string) (ProcStat, bool) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return ProcStat{}, false
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 13 {
		return ProcStat{}, false
	}
	ps := ProcStat{PID: pid, Comm: s[open+1 : end], State: f[0]}
	ps.PPID, _ = strconv.Atoi(f[1])
	ps.PGrp, _ = strconv.Atoi(f[2])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	ps.CPUTicks = utime + stime
	return ps, true
}

// AllProcs lists the live processes (not zombies).
func AllProcs() []ProcStat {
	entries, _ := os.ReadDir("/proc")
	out := make([]ProcStat, 0, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ps, ok := ReadProcStat(pid); ok && ps.State != "Z" {
			out = append(out, ps)
		}
	}
	return out
}

// ExeBase is the base name of a process's executable ("" when unreadable).
func ExeBase(pid int) string {
	data, err := ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(data) == 0 {
		return ""
	}
	argv0, _, _ := strings.Cut(string(data), "\x00")
	return filepath.Base(argv0)
}

// MemoryKB reads VmHWM (peak resident set) and VmRSS of a process, in kB.
func MemoryKB(pid int) (hwm, rss int64, ok bool) {
	data, err := ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	return ParseMemoryKB(string(data))
}

// ParseMemoryKB reads VmHWM and VmRSS from the text of /proc/<pid>/status.
func ParseMemoryKB(status string) (hwm, rss int64, ok bool) {
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

// SystemCPU reads the machine's busy and total jiffies from /proc/stat.
func SystemCPU() (busy, total int64) {
	data, err := ReadFile("/proc/stat")
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

// LoadAverage is the one-minute load average ("" when unreadable).
func LoadAverage() string {
	data, err := ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
