package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// sandboxProc is a running cards-sandbox on a free loopback port.
type sandboxProc struct {
	c       *child
	APIURL  string
	control string
	KeyFile string
	http    *http.Client
}

// startSandbox starts the sandbox with the case's latency, task delay and rate limit, request
// logging off, and waits for its ready file.
func (e *Env) startSandbox(dir string, c Case, s Settings) (*sandboxProc, error) {
	keyFile := filepath.Join(dir, "merchant-key.pem")
	readyFile := filepath.Join(dir, "sandbox.url")
	logPath := filepath.Join(dir, "sandbox.log")
	_ = os.Remove(readyFile)
	logFile, err := createFile(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	args := []string{"-addr", "127.0.0.1:0", "-key-out", keyFile, "-ready-file", readyFile,
		"-task-delay", s.TaskDelay.String(), "-latency", s.Latency.String(), "-quiet"}
	if c.RateLimit > 0 {
		args = append(args, "-rate-limit", strconv.FormatFloat(c.RateLimit, 'f', -1, 64))
	}
	fmt.Fprintf(logFile, "$ cards-sandbox %s\n", strings.Join(args, " "))
	cmd := command(filepath.Join(e.Bin, sandboxExe), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	ch, err := startChild(cmd, "cards-sandbox "+c.Name())
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if data, err := readFile(readyFile); err == nil && len(bytes.TrimSpace(data)) > 0 {
			api := strings.TrimSpace(string(data))
			u, err := url.Parse(api)
			if err != nil || u.Hostname() != "127.0.0.1" {
				ch.stop(syscall.SIGTERM, 5*time.Second)
				return nil, fmt.Errorf("the sandbox announced %q, not a loopback URL", api)
			}
			return &sandboxProc{c: ch, APIURL: api, control: strings.TrimSuffix(api, "/api/v1") + "/sandbox",
				KeyFile: keyFile, http: &http.Client{Timeout: 30 * time.Second}}, nil
		}
		if ch.exited() {
			procs.remove(ch.pid())
			return nil, fmt.Errorf("the sandbox exited (%s); see %s", ch.cmd.ProcessState, logPath)
		}
		if time.Now().After(deadline) {
			ch.stop(syscall.SIGTERM, 5*time.Second)
			return nil, fmt.Errorf("the sandbox did not become ready within 30s; see %s", logPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (sb *sandboxProc) stop() {
	if sb != nil && sb.c != nil {
		sb.c.stop(syscall.SIGTERM, 10*time.Second)
	}
}

// cpuSeconds is the sandbox's CPU time so far.
func (sb *sandboxProc) cpuSeconds() float64 {
	if sb == nil {
		return 0
	}
	ps, ok := readProcStat(sb.c.pid())
	if !ok {
		return 0
	}
	return float64(ps.cpuTicks) / clockTicks
}

// controlJSON calls the loopback control API and decodes the answer into out.
func (sb *sandboxProc) controlJSON(method, path string, out any) error {
	req, err := http.NewRequestWithContext(context.Background(), method, sb.control+"/"+path, nil)
	if err != nil {
		return err
	}
	resp, err := sb.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s /sandbox/%s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

func (sb *sandboxProc) resetCounters() error {
	return sb.controlJSON(http.MethodDelete, "counters", nil)
}

func (sb *sandboxProc) counters() (map[string]int, error) {
	var c map[string]int
	err := sb.controlJSON(http.MethodGet, "counters", &c)
	return c, err
}

// cardStatuses counts the sandbox's cards by status ("100 Active"); total is every card.
func (sb *sandboxProc) cardStatuses() (summary string, byStatus map[string]int, total int, err error) {
	var cards []sandbox.CardInfo
	if err = sb.controlJSON(http.MethodGet, "cards", &cards); err != nil {
		return "", nil, 0, err
	}
	byStatus = map[string]int{}
	for _, c := range cards {
		byStatus[c.Status]++
	}
	names := make([]string, 0, len(byStatus))
	for s := range byStatus {
		names = append(names, s)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, s := range names {
		parts = append(parts, fmt.Sprintf("%d %s", byStatus[s], s))
	}
	if len(parts) == 0 {
		return "no cards", byStatus, 0, nil
	}
	return strings.Join(parts, ", "), byStatus, len(cards), nil
}

// opCounts splits the sandbox's counters into requests per operation ("CardDetails": every
// request routed to it) and the 429s of the platform's rate limit (Op.ratelimited).
func opCounts(counters map[string]int) (requests map[string]int, total, throttled int) {
	requests = map[string]int{}
	for k, v := range counters {
		op, suffix, hasSuffix := strings.Cut(k, ".")
		switch {
		case !hasSuffix && !strings.HasPrefix(op, "webhook"):
			requests[op] = v
			total += v
		case suffix == "ratelimited":
			throttled += v
		}
	}
	return requests, total, throttled
}
