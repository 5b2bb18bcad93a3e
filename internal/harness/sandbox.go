package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// SandboxSpec says how to start a cards-sandbox process.
type SandboxSpec struct {
	Exe       string   // the cards-sandbox binary
	Addr      string   // -addr: "127.0.0.1:0" for a free loopback port
	KeyFile   string   // -key-out: the merchant's private key
	ReadyFile string   // -ready-file: the sandbox writes its API URL there once it serves
	Args      []string // the harness's further flags
	Log       string   // stdout and stderr, appended to (a restarted sandbox logs on)
	LogPrefix string   // written before the command line in Log
	What      string   // the process, as Live lists it
	// ControlTimeout bounds a call of the control API.
	ControlTimeout time.Duration
}

// readyWithin is how long a sandbox may take to write its ready file.
const readyWithin = 30 * time.Second

// Sandbox is a running cards-sandbox on a loopback port.
type Sandbox struct {
	child   *Child
	APIURL  string // the Cards API's base URL, as the provider's base_url
	Addr    string // host:port, to restart it on the same port
	KeyFile string
	control string // the control API's base URL (loopback only)
	http    *http.Client
}

// StartSandbox starts the sandbox and waits for its ready file.
func StartSandbox(s SandboxSpec) (*Sandbox, error) {
	_ = os.Remove(s.ReadyFile)
	logFile, err := AppendFile(s.Log)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	args := append([]string{"-addr", s.Addr, "-key-out", s.KeyFile, "-ready-file", s.ReadyFile}, s.Args...)
	fmt.Fprintf(logFile, "%scards-sandbox %s\n", s.LogPrefix, strings.Join(args, " "))
	cmd := Command(s.Exe, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	c, err := StartChild(cmd, s.What)
	if err != nil {
		return nil, err
	}
	api, err := waitReady(c, s)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(api)
	if err != nil || u.Hostname() != "127.0.0.1" {
		c.Stop(syscall.SIGTERM, 5*time.Second)
		return nil, fmt.Errorf("the sandbox announced %q, not a loopback URL", api)
	}
	return &Sandbox{child: c, APIURL: api, Addr: u.Host, KeyFile: s.KeyFile,
		control: strings.TrimSuffix(api, "/api/v1") + "/sandbox", http: controlClient(s.ControlTimeout)}, nil
}

// controlClient is the HTTP client of the control endpoints. Its idle connection never times
// out (http.DefaultTransport's does after 90 s), so the harness opens no connection of its own
// during a phase and the sandbox's connections.opened counts the provider's alone.
func controlClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{}}
}

// waitReady waits for the sandbox's ready file and returns the URL in it; it stops a sandbox
// that does not become ready in time.
func waitReady(c *Child, s SandboxSpec) (string, error) {
	deadline := time.Now().Add(readyWithin)
	for {
		if data, err := ReadFile(s.ReadyFile); err == nil && len(bytes.TrimSpace(data)) > 0 {
			return strings.TrimSpace(string(data)), nil
		}
		if c.Exited() {
			procs.remove(c.PID())
			return "", fmt.Errorf("the sandbox exited (%s); see %s", c.cmd.ProcessState, s.Log)
		}
		if time.Now().After(deadline) {
			c.Stop(syscall.SIGTERM, 5*time.Second)
			return "", fmt.Errorf("the sandbox did not become ready within %s; see %s", readyWithin, s.Log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the sandbox (SIGTERM: it saves its state file); nil is stopped already.
func (sb *Sandbox) Stop() {
	if sb != nil && sb.child != nil {
		sb.child.Stop(syscall.SIGTERM, 10*time.Second)
	}
}

// Kill ends the sandbox at once (SIGKILL: a crash, no graceful save).
func (sb *Sandbox) Kill() { sb.child.Stop(0, 0) }

// CPUSeconds is the sandbox's CPU time so far (0 for nil).
func (sb *Sandbox) CPUSeconds() float64 {
	if sb == nil {
		return 0
	}
	ps, ok := ReadProcStat(sb.child.PID())
	if !ok {
		return 0
	}
	return float64(ps.CPUTicks) / ClockTicks
}

// ControlJSON calls the sandbox's control API with body (nil: none) and decodes the answer
// into out (nil: ignored).
func (sb *Sandbox) ControlJSON(method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, sb.control+"/"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
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

// Counters are the sandbox's request counters (GET /sandbox/counters).
func (sb *Sandbox) Counters() (map[string]int, error) {
	var c map[string]int
	err := sb.ControlJSON(http.MethodGet, "counters", nil, &c)
	return c, err
}

// ResetCounters sets every counter back to zero.
func (sb *Sandbox) ResetCounters() error {
	return sb.ControlJSON(http.MethodDelete, "counters", nil, nil)
}

// SetFaults installs faults (the JSON of PUT /sandbox/faults).
func (sb *Sandbox) SetFaults(faults string) error {
	return sb.ControlJSON(http.MethodPut, "faults", []byte(faults), nil)
}

// Cards lists every card the sandbox issued.
func (sb *Sandbox) Cards() ([]sandbox.CardInfo, error) {
	var cards []sandbox.CardInfo
	err := sb.ControlJSON(http.MethodGet, "cards", nil, &cards)
	return cards, err
}

// TopUps lists every top-up the sandbox accepted.
func (sb *Sandbox) TopUps() ([]sandbox.TopUpInfo, error) {
	var topUps []sandbox.TopUpInfo
	err := sb.ControlJSON(http.MethodGet, "topups", nil, &topUps)
	return topUps, err
}
