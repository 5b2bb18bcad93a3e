package cardsapi

import (
	"sync"
	"time"
)

// A wait measures how long the platform takes from when the task it waits for was asked:
// when the request that started it was first written (an attempt that may have been
// processed; one answered 429 or 503 was not). That is when the platform's clock for the
// task starts. Measured from when the wait began instead (after the answer, and whatever the
// provider did before waiting), each answer's own latency came off the learned time: in the
// first wave of a 1000-card create at -parallelism 50, ApplyCard's answers took 25–118 ms and
// the journal's write more, the wave learned 1.92 s against the platform's 2 s, and 33 of its
// 50 waits looked too early (BENCHMARKS.md).
//
// A wait for an object whose task this process did not ask for (a create resumed after a
// killed run, a cancel whose first attempt had already taken effect, a card still being
// issued when a destroy began) has no such time: how long it waits says nothing of the
// platform's time, so it teaches nothing, and it looks at once, since the task may have
// finished long ago.

// askedTasks holds, by object id (card or top-up task), when its latest task was asked,
// until a wait takes it.
type askedTasks struct {
	mu sync.Mutex
	at map[string]time.Time
}

// note records that a task on id was asked at at.
func (a *askedTasks) note(id string, at time.Time) {
	if id == "" || at.IsZero() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.at == nil {
		a.at = map[string]time.Time{}
	}
	a.at[id] = at
}

// take returns when the latest task on id was asked, and forgets it: one wait follows one task.
func (a *askedTasks) take(id string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	at, ok := a.at[id]
	delete(a.at, id)
	return at, ok
}
