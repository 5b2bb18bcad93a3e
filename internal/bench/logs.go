package bench

import (
	"bufio"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
)

// The provider logs at INFO (TF_LOG_PROVIDER=INFO) what its waits did: "waiting for card"
// when a wait does not settle at its first look, "card settled" with elapsed_ms and the
// statuses it waited for (target), and at WARN "retrying cards API request" with the reason
// (HTTP 429 ...) and wait_ms. Terraform prints them on stderr as hclog lines:
//
//	2026-12-02T00:35:19.374Z [INFO]  provider.terraform-provider-cards: card settled: elapsed_ms=2294 target="AwaitingBinding,Active" ...

// logLine is one provider log line.
type logLine struct {
	Time   time.Time
	Level  string
	Msg    string
	Fields map[string]string
}

// parseProviderLine reads a line Terraform printed for the provider binary exe.
func parseProviderLine(line, exe string) (logLine, bool) {
	marker := " provider." + exe + ": "
	i := strings.Index(line, marker)
	if i < 0 {
		return logLine{}, false
	}
	var out logLine
	if ts, _, ok := strings.Cut(line[:i], " "); ok {
		out.Time, _ = time.Parse(time.RFC3339Nano, ts)
	}
	if a, b := strings.IndexByte(line[:i], '['), strings.IndexByte(line[:i], ']'); a >= 0 && b > a {
		out.Level = line[a+1 : b]
	}
	rest := line[i+len(marker):]
	msg, fields, found := strings.Cut(rest, ": ")
	out.Msg = strings.TrimSpace(msg)
	out.Fields = map[string]string{}
	if found {
		out.Fields = parseFields(fields)
	}
	return out, true
}

// parseFields reads hclog's key=value pairs; values with spaces or quotes are Go-quoted.
func parseFields(s string) map[string]string {
	out := map[string]string{}
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return out
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return out
		}
		key := s[:eq]
		if strings.ContainsRune(key, ' ') {
			// Not a field (a message that held ": "): skip the word.
			_, s, _ = strings.Cut(s, " ")
			continue
		}
		s = s[eq+1:]
		if strings.HasPrefix(s, `"`) {
			if v, err := strconv.QuotedPrefix(s); err == nil {
				unq, _ := strconv.Unquote(v)
				out[key] = unq
				s = s[len(v):]
				continue
			}
		}
		v, rest, _ := strings.Cut(s, " ")
		out[key] = v
		s = rest
	}
}

// WaitStats describes the waits for one target: how long after it began each was seen
// settled (elapsed_ms of "card settled").
type WaitStats struct {
	Target string `json:"target"`
	Count  int    `json:"count"`
	P50MS  int64  `json:"p50_ms"`
	P90MS  int64  `json:"p90_ms"`
	MaxMS  int64  `json:"max_ms"`
	MeanMS int64  `json:"mean_ms"`
}

// LogStats is what a phase's provider log says about its waits and retries.
type LogStats struct {
	Applied      int            `json:"cards_applied_for"`
	Waits        []WaitStats    `json:"waits,omitempty"`
	Announced    int            `json:"waits_not_settled_at_first_look"`
	Retries      int            `json:"retries"`
	RetryReasons map[string]int `json:"retry_reasons,omitempty"`
	RetryWaitMS  int64          `json:"retry_wait_ms"`
	GaveUp       int            `json:"gave_up_waiting"`
	PollFailed   int            `json:"polls_failed"`
	Warnings     int            `json:"warnings"`
	Errors       int            `json:"errors"`

	// ApplyResourceChange calls (create, update, delete of one card each): from the first to
	// the last line the provider logged for each, and the window from the first call's first
	// line to the last call's last.
	ApplyRPCs   int       `json:"apply_rpcs"`
	RPCP50MS    int64     `json:"apply_rpc_p50_ms"`
	RPCP90MS    int64     `json:"apply_rpc_p90_ms"`
	RPCMaxMS    int64     `json:"apply_rpc_max_ms"`
	RPCSumMS    int64     `json:"apply_rpc_sum_ms"`
	WindowStart time.Time `json:"apply_window_start,omitzero"`
	WindowEnd   time.Time `json:"apply_window_end,omitzero"`
}

// Wait returns the stats of the waits whose target is target (case-insensitive).
func (l LogStats) Wait(target string) (WaitStats, bool) {
	for _, w := range l.Waits {
		if strings.EqualFold(w.Target, target) {
			return w, true
		}
	}
	return WaitStats{}, false
}

var retryReasonRe = regexp.MustCompile(`^HTTP \d+`)

// readLogStats reads a phase's stderr.
func readLogStats(r io.Reader, exe string) LogStats {
	lr := logReader{settled: map[string][]int64{}, rpcs: map[string]*rpcSpan{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		if ln, ok := parseProviderLine(sc.Text(), exe); ok {
			lr.add(ln)
		}
	}
	lr.summarizeRPCs()
	lr.summarizeWaits()
	return lr.st
}

// logReader gathers LogStats line by line.
type logReader struct {
	st      LogStats
	settled map[string][]int64  // elapsed_ms of "card settled", by target
	rpcs    map[string]*rpcSpan // ApplyResourceChange calls, by tf_req_id
}

// rpcSpan is the first and the last line the provider logged for one call.
type rpcSpan struct{ first, last time.Time }

func (lr *logReader) add(ln logLine) {
	if id := ln.Fields["tf_req_id"]; id != "" && ln.Fields["tf_rpc"] == "ApplyResourceChange" && !ln.Time.IsZero() {
		if sp := lr.rpcs[id]; sp == nil {
			lr.rpcs[id] = &rpcSpan{ln.Time, ln.Time}
		} else {
			sp.last = ln.Time
		}
	}
	switch ln.Level {
	case "WARN":
		lr.st.Warnings++
	case "ERROR":
		lr.st.Errors++
	}
	switch {
	case ln.Msg == "card applied for":
		lr.st.Applied++
	case ln.Msg == "card settled":
		if ms, err := strconv.ParseInt(ln.Fields["elapsed_ms"], 10, 64); err == nil {
			lr.settled[ln.Fields["target"]] = append(lr.settled[ln.Fields["target"]], ms)
		}
	case strings.HasPrefix(ln.Msg, "waiting for "):
		lr.st.Announced++
	case ln.Msg == "retrying cards API request":
		lr.addRetry(ln.Fields)
	case strings.HasPrefix(ln.Msg, "gave up waiting"):
		lr.st.GaveUp++
	case strings.HasPrefix(ln.Msg, "polling ") && strings.HasSuffix(ln.Msg, "will retry"):
		lr.st.PollFailed++
	}
}

// addRetry counts a retry by its reason (an HTTP status, or the error) and adds its wait.
func (lr *logReader) addRetry(fields map[string]string) {
	lr.st.Retries++
	reason := fields["reason"]
	if m := retryReasonRe.FindString(reason); m != "" {
		reason = m
	}
	if lr.st.RetryReasons == nil {
		lr.st.RetryReasons = map[string]int{}
	}
	lr.st.RetryReasons[reason]++
	if ms, err := strconv.ParseInt(fields["wait_ms"], 10, 64); err == nil {
		lr.st.RetryWaitMS += ms
	}
}

// summarizeRPCs sets the apply calls' durations and their window.
func (lr *logReader) summarizeRPCs() {
	st := &lr.st
	var durations []int64
	for _, sp := range lr.rpcs {
		d := sp.last.Sub(sp.first).Milliseconds()
		durations = append(durations, d)
		st.RPCSumMS += d
		if st.WindowStart.IsZero() || sp.first.Before(st.WindowStart) {
			st.WindowStart = sp.first
		}
		if sp.last.After(st.WindowEnd) {
			st.WindowEnd = sp.last
		}
	}
	if len(durations) > 0 {
		slices.Sort(durations)
		st.ApplyRPCs = len(durations)
		st.RPCP50MS, st.RPCP90MS, st.RPCMaxMS = percentile(durations, 0.5), percentile(durations, 0.9), durations[len(durations)-1]
	}
}

// summarizeWaits sets the waits' stats, by target in name order.
func (lr *logReader) summarizeWaits() {
	for _, t := range slices.Sorted(maps.Keys(lr.settled)) {
		lr.st.Waits = append(lr.st.Waits, waitStats(t, lr.settled[t]))
	}
}

func waitStats(target string, ms []int64) WaitStats {
	slices.Sort(ms)
	var sum int64
	for _, v := range ms {
		sum += v
	}
	return WaitStats{Target: target, Count: len(ms), P50MS: percentile(ms, 0.5), P90MS: percentile(ms, 0.9),
		MaxMS: ms[len(ms)-1], MeanMS: sum / int64(len(ms))}
}

// percentile of sorted values (nearest rank).
func percentile(sorted []int64, q float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*q+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// diagnostics counts Terraform's diagnostics by summary (the warning about development
// overrides is expected and left out).
func diagnostics(out string) (errs, warns map[string]int) {
	errs, warns = map[string]int{}, map[string]int{}
	for _, d := range harness.Diagnostics(out) {
		if d.Severity == "Error" {
			errs[d.Summary]++
		} else {
			warns[d.Summary]++
		}
	}
	return errs, warns
}

// summarize lists counted diagnostics, most frequent first, at most limit of them.
func summarize(counts map[string]int, limit int) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if counts[keys[a]] != counts[keys[b]] {
			return counts[keys[a]] > counts[keys[b]]
		}
		return keys[a] < keys[b]
	})
	var out []string
	for i, k := range keys {
		if i == limit {
			out = append(out, strconv.Itoa(len(keys)-limit)+" more")
			break
		}
		out = append(out, strconv.Itoa(counts[k])+"× "+k)
	}
	return out
}
