package cardsapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// The rate a provider process was cut to is kept for the next one (Config.RateMemoryDir).
// Terraform runs a plan and its apply in separate processes, and the apply's first 429s came
// a fraction of a second after it started, from a bucket its plan had just emptied: a cut
// guessed from a handful of answers (11 answers, 9.9/s against the platform's 50/s in the
// benchmark's N=100 P=50 R=50 destroy), which held its first wave for seconds. A new
// process still starts with no limit (a kept cut may be stale, or one of 429s that came
// whatever the rate), but its guessed cuts go no lower than the last cut made against the
// same base URL within rateMemoryMaxAge.

// rateMemoryMaxAge is how long a kept cut says more of the platform than a new guess does.
const rateMemoryMaxAge = 10 * time.Minute

// rateMemory is the file of one base URL's last cut; a zero rateMemory keeps nothing.
type rateMemory struct{ path string }

// keptCut is a rateCut as kept on disk.
type keptCut struct {
	To      float64   `json:"to_per_second"`
	Guessed bool      `json:"guessed"`
	At      time.Time `json:"at"`
}

// newRateMemory is the memory of baseURL's cut in dir ("" = none). The file is named by a
// hash of the base URL, which may carry credentials that must not be written anywhere.
func newRateMemory(dir, baseURL string) rateMemory {
	if dir == "" {
		return rateMemory{}
	}
	sum := sha256.Sum256([]byte(baseURL))
	return rateMemory{path: filepath.Join(dir, "rate-"+hex.EncodeToString(sum[:8])+".json")}
}

// recall is the kept cut if it was made within rateMemoryMaxAge of now.
func (m rateMemory) recall(now time.Time) (rateCut, bool) {
	if m.path == "" {
		return rateCut{}, false
	}
	data, err := os.ReadFile(m.path)
	if err != nil {
		return rateCut{}, false
	}
	var k keptCut
	if json.Unmarshal(data, &k) != nil || k.To <= 0 || now.Sub(k.At) > rateMemoryMaxAge || k.At.After(now) {
		return rateCut{}, false
	}
	return rateCut{To: k.To, Guessed: k.Guessed}, true
}

// keep stores cut, made at now, for the next process: best effort (a lost cut costs the next
// process only its start), written whole by a rename so that a reader never sees half of it.
func (m rateMemory) keep(cut rateCut, now time.Time) {
	if m.path == "" {
		return
	}
	data, err := json.Marshal(keptCut{To: cut.To, Guessed: cut.Guessed, At: now.UTC()})
	if err != nil || os.MkdirAll(filepath.Dir(m.path), 0o700) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.path), ".rate-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(data)
	if closeErr := tmp.Close(); err != nil || closeErr != nil || os.Rename(tmp.Name(), m.path) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// useMemory makes the cut memory recalls the least a guessed cut of this process goes down
// to, and memory where this process keeps its own cuts. Called once, before the rate is
// shared.
func (a *adaptiveRate) useMemory(memory rateMemory, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.memory = memory
	a.recalled, _ = memory.recall(now)
}
