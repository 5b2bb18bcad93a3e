package cardsapi

import (
	"context"
	"strings"
	"sync"
)

// programCache keeps each program the client has read for the life of the client (one
// provider process): a plan of a thousand cards of one program reads it once, and a fault
// that fails one read is not multiplied by every resource. Concurrent readers of the same
// program share one request; a failed read is not kept.
type programCache struct {
	mu      sync.Mutex
	entries map[string]*programEntry
}

type programEntry struct {
	done    chan struct{}
	program *Program
	err     error
}

// get returns the program, calling fetch at most once at a time per program id.
func (pc *programCache) get(ctx context.Context, programID string, fetch func(context.Context) (*Program, error)) (*Program, error) {
	key := strings.ToLower(programID)
	for {
		pc.mu.Lock()
		if pc.entries == nil {
			pc.entries = map[string]*programEntry{}
		}
		e, found := pc.entries[key]
		if !found {
			e = &programEntry{done: make(chan struct{})}
			pc.entries[key] = e
			pc.mu.Unlock()
			e.program, e.err = fetch(ctx)
			if e.err != nil {
				pc.mu.Lock()
				delete(pc.entries, key)
				pc.mu.Unlock()
			}
			close(e.done)
			return e.program, e.err
		}
		pc.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			return e.program, nil
		}
		// The read this caller waited on failed (perhaps on its caller's context): try again.
	}
}
