package cardsapi

import (
	"context"
	"strings"
	"sync"
	"time"
)

// programCache keeps each program the client has read for the life of the client (one
// provider process): a plan of a thousand cards of one program reads it once. A failed read
// is shared too, for programFailureMemory: concurrent callers wait for one request and get
// its answer, and the resources of one plan that fails (a wrong base_url, a request_timeout
// shorter than the platform's latency) do not each repeat the failing request.
type programCache struct {
	mu      sync.Mutex
	entries map[string]*programEntry
}

// programFailureMemory is how long a failed read answers for the program.
const programFailureMemory = 10 * time.Second

type programEntry struct {
	done     chan struct{}
	program  *Program
	err      error
	failedAt time.Time
}

// get returns the program, calling fetch when nothing (or an old failure) is remembered.
func (pc *programCache) get(ctx context.Context, programID string, now func() time.Time,
	fetch func(context.Context) (*Program, error)) (*Program, error) {
	key := strings.ToLower(programID)
	pc.mu.Lock()
	if pc.entries == nil {
		pc.entries = map[string]*programEntry{}
	}
	e, found := pc.entries[key]
	if found {
		select {
		case <-e.done: // settled: its fields may be read
			if e.err != nil && now().Sub(e.failedAt) >= programFailureMemory {
				found = false // an old failure: read again
			}
		default: // in flight: wait for it below
		}
	}
	if !found {
		e = &programEntry{done: make(chan struct{})}
		pc.entries[key] = e
		pc.mu.Unlock()
		e.program, e.err = fetch(ctx)
		e.failedAt = now()
		close(e.done)
		return e.program, e.err
	}
	pc.mu.Unlock()
	select {
	case <-e.done:
		return e.program, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
