// Package journal remembers, in the Terraform working directory, every request that issues a
// card or moves money, from just before it is sent until Terraform has the answer in its
// state. A run that is killed (SIGKILL, a lost CI runner) never writes its state; the next run
// in the same directory finds the cards and top-ups that run was answered, and adopts them
// instead of issuing or paying again.
//
// An entry holds ids, a fingerprint (a SHA-256 of what was asked: program and KYC, or card and
// amount), the amount and the time: never a card number, CVV, PIN, KYC value or credential.
// Each attempt is one small JSON file, written atomically and synced, so a kill at any moment
// leaves either the old or the new file.
//
// Rules (docs/index.md, "Failure handling"):
//   - Only entries written by an earlier provider process are adoptable: a sibling resource of
//     the same run never takes another's card.
//   - An entry is adopted at most once per process, and never when older than MaxAdoptAge.
//   - Terraform confirms an entry by reading its id back from a state it persisted (Confirm),
//     which deletes it; entries older than MaxKeepAge are deleted when the journal opens.
package journal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Kinds of attempts.
const (
	KindCard  = "card"
	KindTopUp = "topup"
)

// MaxAdoptAge bounds how old an answered entry may be and still be adopted: a card issued a day
// ago by a run that never finished is no longer assumed to be the one the configuration wants.
const MaxAdoptAge = 24 * time.Hour

// MaxKeepAge is when an entry is deleted without having been confirmed.
const MaxKeepAge = 7 * 24 * time.Hour

// DirName is the journal's folder inside Terraform's data directory.
const DirName = "cards-journal"

// Entry is one attempt to issue a card or make a top-up.
type Entry struct {
	Attempt     string    `json:"attempt"`
	Kind        string    `json:"kind"`
	Fingerprint string    `json:"fingerprint"`
	Subject     string    `json:"subject"` // the program id (card) or the card id (top-up), for messages
	Amount      string    `json:"amount,omitempty"`
	SentAt      time.Time `json:"sent_at"`
	ID          string    `json:"id,omitempty"` // the card or task id once the platform answered; "" = no answer (yet)
}

// Answered reports whether the platform's answer (an id) is known.
func (e Entry) Answered() bool { return e.ID != "" }

// Journal is the set of entries of one working directory. Safe for concurrent use. A nil
// *Journal is a journal that records nothing (every method is a no-op).
type Journal struct {
	dir string
	now func() time.Time

	mu      sync.Mutex
	earlier map[string]Entry    // by attempt: entries found on disk when the journal was opened
	byID    map[string][]string // attempts of earlier, by their answer's id in lower case (Confirm runs per card read)
	claimed map[string]bool     // attempts adopted by this process
}

// Open reads the journal in dir (created when missing) and deletes entries older than
// MaxKeepAge. now is the clock (nil: time.Now).
func Open(dir string, now func() time.Time) (*Journal, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the journal folder: %w", err)
	}
	j := &Journal{dir: dir, now: now, earlier: map[string]Entry{}, byID: map[string][]string{}, claimed: map[string]bool{}}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading the journal: %w", err)
		}
		var e Entry
		if json.Unmarshal(data, &e) != nil || e.Attempt == "" || filepath.Base(name) != e.Attempt+".json" {
			continue // not ours, or cut short by a crash before its rename: nothing was sent
		}
		if now().Sub(e.SentAt) > MaxKeepAge {
			_ = os.Remove(name)
			continue
		}
		j.earlier[e.Attempt] = e
		if e.Answered() {
			key := idKey(e.ID)
			j.byID[key] = append(j.byID[key], e.Attempt)
		}
	}
	return j, nil
}

// PathOf is the file of an attempt, for messages that tell a user what to delete.
func (j *Journal) PathOf(attempt string) string {
	if j == nil {
		return ""
	}
	return filepath.Join(j.dir, attempt+".json")
}

// Fingerprint hashes the parts of a request that decide whether two requests ask for the same
// thing. parts are joined unambiguously before hashing.
func Fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Attempt is an entry this process is writing. A nil *Attempt (from a nil journal) is valid.
type Attempt struct {
	j     *Journal
	entry Entry
}

// Entry is the attempt as recorded.
func (a *Attempt) Entry() Entry {
	if a == nil {
		return Entry{}
	}
	return a.entry
}

// Begin records that a request is about to be sent. The caller sends only when err is nil: a
// request that cannot be remembered is not sent.
func (j *Journal) Begin(kind, fingerprint, subject, amount string) (*Attempt, error) {
	if j == nil {
		return nil, nil
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	a := &Attempt{j: j, entry: Entry{
		Attempt: hex.EncodeToString(id[:]), Kind: kind, Fingerprint: fingerprint, Subject: subject, Amount: amount,
		SentAt: j.now().UTC(),
	}}
	return a, j.write(a.entry)
}

// Answered records the platform's answer: the card or task id.
func (a *Attempt) Answered(id string) error {
	if a == nil {
		return nil
	}
	a.entry.ID = id
	return a.j.write(a.entry)
}

// Drop deletes the attempt: the request was refused (nothing happened), or the state now
// records it.
func (a *Attempt) Drop() {
	if a == nil {
		return
	}
	a.j.remove(a.entry.Attempt)
}

// Adoptable returns the answered entries of earlier processes that match kind and fingerprint,
// are younger than MaxAdoptAge and not yet adopted by this process; oldest first.
func (j *Journal) Adoptable(kind, fingerprint string) []Entry {
	return j.matching(kind, fingerprint, true)
}

// Unanswered returns the entries of earlier processes that match and were sent but never
// answered (the run was killed while waiting): their outcome is unknown.
func (j *Journal) Unanswered(kind, fingerprint string) []Entry {
	return j.matching(kind, fingerprint, false)
}

func (j *Journal) matching(kind, fingerprint string, answered bool) []Entry {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	for _, e := range j.earlier {
		if e.Kind == kind && e.Fingerprint == fingerprint && e.Answered() == answered &&
			!j.claimed[e.Attempt] && j.now().Sub(e.SentAt) <= MaxAdoptAge {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].SentAt.Before(out[b].SentAt) })
	return out
}

// Claim marks an earlier entry as taken by this process; false when another resource of this
// process took it first.
func (j *Journal) Claim(attempt string) bool {
	if j == nil {
		return false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.claimed[attempt] {
		return false
	}
	j.claimed[attempt] = true
	return true
}

// Resolve deletes an earlier entry whose outcome is now known (adopted into state, or shown
// not to have happened).
func (j *Journal) Resolve(attempt string) {
	if j == nil {
		return
	}
	j.remove(attempt)
}

// Confirm deletes every earlier entry whose answer is id: Terraform has it in a state it
// persisted (a refresh read it), or it is gone for good (cancelled).
func (j *Journal) Confirm(id string) {
	if j == nil || id == "" {
		return
	}
	j.mu.Lock()
	attempts := slices.Clone(j.byID[idKey(id)])
	j.mu.Unlock()
	for _, a := range attempts {
		j.remove(a)
	}
}

// idKey is how byID finds an id: the platform's ids compare without case.
func idKey(id string) string { return strings.ToLower(id) }

func (j *Journal) remove(attempt string) {
	j.mu.Lock()
	if e, ok := j.earlier[attempt]; ok && e.Answered() {
		key := idKey(e.ID)
		if j.byID[key] = slices.DeleteFunc(j.byID[key], func(a string) bool { return a == attempt }); len(j.byID[key]) == 0 {
			delete(j.byID, key)
		}
	}
	delete(j.earlier, attempt)
	j.mu.Unlock()
	if err := os.Remove(j.PathOf(attempt)); err == nil || errors.Is(err, os.ErrNotExist) {
		syncDir(j.dir)
	}
}

// write stores e atomically: a temporary file, synced, renamed over the entry, and the folder
// synced, so that a kill leaves the old entry or the new one.
func (j *Journal) write(e Entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(j.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), j.PathOf(e.Attempt))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing the journal: %w", err)
	}
	syncDir(j.dir)
	return nil
}

// syncDir makes a rename or removal in dir durable (best effort: not every system can).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
