package cardsapi

import (
	"maps"
	"time"
)

// How soon each kind of wait settles is kept for the next provider process
// (Config.PaceMemoryDir), as the rate is (rate_memory.go). Terraform runs every plan and apply
// in a new process, and a process's first wave of a kind knew nothing: its waits shared a grid
// of looks a tenth of the elapsed time apart from the first interval on (about 15 looks
// before a 2 s task settled), and a lone wait doubled its interval (0.5, 1, 2, 4 s: a task of
// 2.1 s was seen at 4 s). Now the time an earlier process learnt for a kind is its hint: one
// wait still looks at once (the answer to its ask may have come late), and the grid's first
// point is the hint, with none
// before it. If the platform got slower, the grid goes on from the hint as before. If it got
// faster, first waves oversleep until a larger apply's probes bring the estimate down or
// the kept time is settleMemoryMaxAge old. A kind with no time of its own kept goes by
// another kind's, less surely (settleLearner.borrowedHint): tasks of another kind may take
// another time.

const (
	// settleMemoryMaxAge is how long a kept settle time is a hint. One kept too soon costs
	// a first wave a look; one kept too late (the platform got faster) makes each first wave
	// oversleep until probes, each a tenth earlier or halfway to a look that found its object
	// not settled, bring a larger apply's estimate down.
	settleMemoryMaxAge = time.Hour
	// settleMemoryStep is how far a kind's estimate moves before it is written again: less
	// changes no poll, and a 1000-card run would write on most answers.
	settleMemoryStep = minPollInterval
	// settleMemoryRenewal is how old a kept time must be for a process that confirmed it
	// (its own estimate within settleMemoryStep, with a bound of its own within a tenth
	// below) to renew it.
	settleMemoryRenewal = 10 * time.Minute
)

// settleMemory is the file of the settle times met at one base URL; a zero settleMemory
// keeps nothing.
type settleMemory struct{ memoryFile }

func newSettleMemory(dir, baseURL, merchant string) settleMemory {
	return settleMemory{newMemoryFile(dir, "settle", baseURL, merchant)}
}

// keptSettle is a kind's estimate (settleHistory.estimate) as a process last kept it, in
// whole milliseconds rounded up: a hint a moment before the platform's time misses its look.
type keptSettle struct {
	Milliseconds int64     `json:"settle_ms"`
	At           time.Time `json:"at"`
}

func newKeptSettle(d time.Duration, at time.Time) keptSettle {
	return keptSettle{Milliseconds: int64((d + time.Millisecond - 1) / time.Millisecond), At: at.UTC()}
}

func (k keptSettle) time() time.Duration { return time.Duration(k.Milliseconds) * time.Millisecond }

// settleRecord is the whole file to write: every kind's kept time, this process's record
// version.
type settleRecord struct {
	kinds   map[string]keptSettle
	version uint64
}

// recall is each kind's kept time, if it is no older than settleMemoryMaxAge and no longer
// than maxHint (a wait sleeps no longer than the client's PollMax between looks).
func (m settleMemory) recall(now time.Time, maxHint time.Duration) map[string]keptSettle {
	var kinds map[string]keptSettle
	if !m.read(&kinds) {
		return nil
	}
	maps.DeleteFunc(kinds, func(_ string, k keptSettle) bool {
		return k.Milliseconds <= 0 || k.Milliseconds > maxHint.Milliseconds() || k.At.After(now) || now.Sub(k.At) > settleMemoryMaxAge
	})
	return kinds
}

// write stores r, keeping a kind the file holds from a later time than r (another client
// of the same merchant and base URL, in this process or another, wrote it meanwhile).
func (m settleMemory) write(r *settleRecord) {
	if r == nil {
		return
	}
	var onFile map[string]keptSettle
	if m.read(&onFile) {
		for kind, k := range onFile {
			if mine, ok := r.kinds[kind]; !ok || k.At.After(mine.At) {
				r.kinds[kind] = k
			}
		}
	}
	m.memoryFile.write(r.kinds, r.version, true)
}

// useMemory makes what memory recalls the hints of this process's cold waits, and memory
// where it keeps what it learns. Called once, before any wait.
func (l *settleLearner) useMemory(memory settleMemory, clock Clock, maxHint time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.memory, l.clock, l.maxHint = memory, clock, maxHint
	l.recalled = memory.recall(clock.Now(), maxHint)
	l.kept = maps.Clone(l.recalled)
}

// hint is the settle time an earlier process kept for kind (0: none).
func (l *settleLearner) hint(kind string) time.Duration { return l.recalled[kind].time() }

// keep notes kind's estimate for the next process, and returns the record to write (nil:
// nothing to write). Only an estimate known to within a tenth is kept: one a look that
// found an object not yet settled is less than a tenth below (settleHistory.known). A
// lone wait that doubled its interval saw a 2.1 s task at 4 s; as a hint, that made the
// next process's wave of ten wait 4 s where its own grid would have found 2.2 s. A process
// that went by the kept time learns no such bound unless its probes find one, so only a
// process that confirmed the time renews it, and a time kept too late (the platform got
// faster since) is a hint for settleMemoryMaxAge at most. An estimate within
// settleMemoryStep of the kept one is written only to renew it, at most every
// settleMemoryRenewal. l.mu must be held.
func (l *settleLearner) keep(kind string, h *settleHistory) *settleRecord {
	if l.memory.path == "" || len(h.recent) == 0 {
		return nil
	}
	estimate := h.estimate()
	if !h.known(estimate) {
		return nil
	}
	now := l.clock.Now()
	if kept, ok := l.kept[kind]; ok && (estimate-kept.time()).Abs() < settleMemoryStep && now.Sub(kept.At) < settleMemoryRenewal {
		return nil
	}
	if l.kept == nil {
		l.kept = map[string]keptSettle{}
	}
	l.kept[kind] = newKeptSettle(estimate, now)
	l.version++
	return &settleRecord{kinds: maps.Clone(l.kept), version: l.version}
}
