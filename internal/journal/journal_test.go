package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openAt(t *testing.T, dir string, now time.Time) *Journal {
	t.Helper()
	j, err := Open(dir, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestOnlyEarlierProcessesEntriesAreAdoptable(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	first := openAt(t, dir, now)
	fp := Fingerprint("program-1", "")
	a, err := first.Begin(KindCard, fp, "program-1", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Answered("card-1"); err != nil {
		t.Fatal(err)
	}
	if got := first.Adoptable(KindCard, fp); len(got) != 0 {
		t.Fatalf("a sibling in the same process must not adopt: %v", got)
	}

	second := openAt(t, dir, now.Add(time.Minute)) // the next run after a kill
	got := second.Adoptable(KindCard, fp)
	if len(got) != 1 || got[0].ID != "card-1" {
		t.Fatalf("Adoptable = %v, want card-1", got)
	}
	if len(second.Adoptable(KindCard, Fingerprint("program-2", ""))) != 0 {
		t.Fatal("another fingerprint matched")
	}
	if !second.Claim(got[0].Attempt) || second.Claim(got[0].Attempt) {
		t.Fatal("an entry must be claimed exactly once")
	}
	if len(second.Adoptable(KindCard, fp)) != 0 {
		t.Fatal("a claimed entry is still adoptable")
	}
}

func TestUnansweredIsNotAdoptableButReported(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	fp := Fingerprint("card-9", "25.00")
	if _, err := openAt(t, dir, now).Begin(KindTopUp, fp, "card-9", "25.00"); err != nil {
		t.Fatal(err)
	}
	next := openAt(t, dir, now.Add(time.Second))
	if len(next.Adoptable(KindTopUp, fp)) != 0 {
		t.Fatal("an unanswered entry is not adoptable")
	}
	un := next.Unanswered(KindTopUp, fp)
	if len(un) != 1 || un[0].Amount != "25.00" || un[0].Subject != "card-9" {
		t.Fatalf("Unanswered = %+v", un)
	}
	next.Resolve(un[0].Attempt)
	if len(openAt(t, dir, now.Add(2*time.Second)).Unanswered(KindTopUp, fp)) != 0 {
		t.Fatal("a resolved entry came back")
	}
}

func TestConfirmOldAndDroppedEntries(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	j := openAt(t, dir, now)
	fp := Fingerprint("p")
	for _, id := range []string{"card-a", "card-b"} {
		a, _ := j.Begin(KindCard, fp, "p", "")
		_ = a.Answered(id)
	}
	dropped, _ := j.Begin(KindCard, fp, "p", "")
	dropped.Drop()

	later := openAt(t, dir, now.Add(time.Hour))
	if n := len(later.Adoptable(KindCard, fp)); n != 2 {
		t.Fatalf("%d adoptable, want 2 (the dropped attempt must be gone)", n)
	}
	later.Confirm("CARD-A") // ids compare without case
	if got := later.Adoptable(KindCard, fp); len(got) != 1 || got[0].ID != "card-b" {
		t.Fatalf("after Confirm, in the same process: %v", got)
	}
	if got := openAt(t, dir, now.Add(time.Hour)).Adoptable(KindCard, fp); len(got) != 1 || got[0].ID != "card-b" {
		t.Fatalf("after Confirm: %v", got)
	}
	if n := len(openAt(t, dir, now.Add(MaxAdoptAge+time.Hour)).Adoptable(KindCard, fp)); n != 0 {
		t.Fatalf("%d entries older than MaxAdoptAge are adoptable", n)
	}
	openAt(t, dir, now.Add(MaxKeepAge+time.Hour))
	if names, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(names) != 0 {
		t.Fatalf("entries older than MaxKeepAge were kept: %v", names)
	}
}

func TestEntriesHoldNoSecretsAndIgnoreStrayFiles(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	j := openAt(t, dir, now)
	kyc := `{"firstName":"Ada","passportNo":"P1234567"}`
	a, _ := j.Begin(KindCard, Fingerprint("p", kyc), "p", "")
	data, err := os.ReadFile(j.PathOf(a.Entry().Attempt))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Ada", "P1234567"} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("journal entry holds %q: %s", secret, data)
		}
	}
	writeStray := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeStray(".tmp-123", `{"attempt":"x"}`)
	writeStray("garbage.json", `not json`)
	writeStray("renamed.json", `{"attempt":"other","kind":"card"}`)
	if _, err := Open(dir, nil); err != nil {
		t.Fatalf("stray files must not break the journal: %v", err)
	}
}

func TestNilJournalRecordsNothing(t *testing.T) {
	var j *Journal
	a, err := j.Begin(KindCard, "fp", "p", "")
	if err != nil || a != nil {
		t.Fatalf("nil journal Begin = %v, %v", a, err)
	}
	if err := a.Answered("x"); err != nil {
		t.Fatal(err)
	}
	a.Drop()
	j.Confirm("x")
	if j.Adoptable(KindCard, "fp") != nil || j.Claim("x") {
		t.Fatal("nil journal returned entries")
	}
}

// BenchmarkConfirm is the refresh after a fleet's create: every card read confirms its id
// against a journal holding an entry per card (make bench-micro).
func BenchmarkConfirm(b *testing.B) {
	dir := b.TempDir()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	j, _ := Open(dir, func() time.Time { return now })
	const cards = 1000
	for i := range cards {
		a, _ := j.Begin(KindCard, Fingerprint("p"), "p", "")
		_ = a.Answered(fmt.Sprintf("card-%d", i))
	}
	later, _ := Open(dir, func() time.Time { return now.Add(time.Minute) })
	b.ResetTimer()
	for i := range b.N {
		later.Confirm(fmt.Sprintf("CARD-%d", i%cards+cards)) // not in the journal: the lookup alone
	}
}
