package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

// TestRunServesUntilSignalled starts the command twice on a free port: the first run
// generates the key, the second reuses it; SIGINT stops each cleanly.
func TestRunServesUntilSignalled(t *testing.T) {
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "key.pem")
	var generated []byte
	for i, want := range []string{"generated", "reused"} {
		ready := filepath.Join(dir, "ready"+strconv.Itoa(i))
		done := make(chan error, 1)
		go func() {
			done <- run([]string{"-addr", "127.0.0.1:0", "-key-out", keyPath, "-ready-file", ready, "-quiet", "-task-delay", "0",
				"-status-names", "Active=Normal,Success=Done", "-rate-limit", "100", "-late-answer-rate", "0", "-late-answer-delay", "5s",
				"-error-after-processing-rate", "0"})
		}()
		var base string
		deadline := time.Now().Add(10 * time.Second)
		for base == "" {
			if data, err := os.ReadFile(ready); err == nil {
				base = strings.TrimSpace(string(data))
			} else if time.Now().After(deadline) {
				t.Fatalf("%s run: no ready file", want)
			} else {
				time.Sleep(10 * time.Millisecond)
			}
		}
		fi, err := os.Stat(keyPath)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v %v", fi, err)
		}
		pemText, err := os.ReadFile(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		if generated == nil {
			generated = pemText
		} else if string(pemText) != string(generated) {
			t.Fatalf("the %s run wrote a new key over the one the first run generated", want)
		}
		key, err := signing.ParsePrivateKey(pemText)
		if err != nil {
			t.Fatal(err)
		}
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		nonce := "cmdtest" + strconv.Itoa(i)
		canonical, _ := signing.CanonicalString("sandbox-dev-token", nonce, ts, nil)
		sig, _ := signing.Sign(key, canonical)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/Countries", nil)
		req.Header.Set("timestamp", ts)
		req.Header.Set("nonce", nonce)
		req.Header.Set("customerToken", "sandbox-dev-token")
		req.Header.Set("signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var countries []map[string]any
		err = json.NewDecoder(resp.Body).Decode(&countries)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(countries) == 0 {
			t.Fatalf("%s run: HTTP %d, %v", want, resp.StatusCode, err)
		}

		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("run did not stop on SIGINT")
		}
		if _, err := os.Stat(ready); !os.IsNotExist(err) {
			t.Fatal("ready file left behind")
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/api/v1": "http://127.0.0.1:8080/api/v1",
		"it's":                         `'it'\''s'`,
		"a b":                          "'a b'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseStatusNames(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string
		err  string
	}{
		{"", nil, ""},
		{"Active=Normal", map[string]string{"Active": "Normal"}, ""},
		{" Active = Normal , Frozen=Locked,Pending=Processing,Success=Done,", map[string]string{"Active": "Normal", "Frozen": "Locked", "Pending": "Processing", "Success": "Done"}, ""},
		{"Active", nil, "not status=name"},
		{"=Normal", nil, "not status=name"},
		{"Active=Normal,Active=Open", nil, "listed twice"},
	} {
		got, err := parseStatusNames(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case len(got) != len(tc.want):
			t.Errorf("%q: %v, want %v", tc.in, got, tc.want)
		default:
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%q: %v, want %v", tc.in, got, tc.want)
				}
			}
		}
	}
}

// Bad values of the new flags stop the command before it listens, naming the problem.
func TestRunRefusesBadFlags(t *testing.T) {
	keyPath := filepath.Join(t.TempDir(), "key.pem")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-status-names", "Activ=Normal"}, `unknown status "Activ"`},
		{[]string{"-status-names", "Active="}, "empty name"},
		{[]string{"-rate-limit", "-1"}, "rate limit"},
		{[]string{"-late-answer-rate", "1.5"}, "lateAnswerRate"},
		{[]string{"-error-after-processing-rate", "2"}, "errorAfterRate"},
		{[]string{"-late-answer-delay", "-1s"}, "lateAnswerDelay"},
	} {
		err := run(append([]string{"-addr", "127.0.0.1:0", "-key-out", keyPath, "-quiet"}, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one with %q", tc.args, err, tc.want)
		}
	}
}
