package provider

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/arthawork/terraform-provider-cards/internal/journal"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// journalOfEarlierRun writes, into dir, what a run killed after the platform answered (id
// set) or while it waited (id "") would have left.
func journalOfEarlierRun(t *testing.T, dir, kind, fingerprint, subject, amount, id string, sentAt time.Time) string {
	t.Helper()
	j, err := journal.Open(dir, func() time.Time { return sentAt })
	if err != nil {
		t.Fatal(err)
	}
	a, err := j.Begin(kind, fingerprint, subject, amount)
	if err != nil {
		t.Fatal(err)
	}
	if id != "" {
		if err := a.Answered(id); err != nil {
			t.Fatal(err)
		}
	}
	return j.PathOf(a.Entry().Attempt)
}

// A card whose ApplyCard answer is lost may exist: the apply says so, the state keeps a
// placeholder, and the next plan stops on it with the ways out, so a plain re-run never issues
// a second card.
func TestAccCard_lostApplyCardAnswerStopsThePlan(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "injects a lost ApplyCard answer")
	config := testAccVirtualCardConfig(sb, false, 0)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sb.SetFaults(sandbox.Faults{Next: []sandbox.NextFault{{Operation: sandbox.OpApplyCard, Mode: sandbox.ModeLoseResponse}}})
				},
				Config:      config,
				ExpectError: errorText(`Card application outcome unknown`, `did not apply again`, `placeholder`, `terraform state rm`, `terraform import`),
			},
			{
				// Without a refresh Terraform would plan to replace the tainted placeholder (an
				// explicit -refresh=false); the refreshing plan, Terraform's default, stops.
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ExpectError:        errorText(`Card application outcome unknown`, `sent ApplyCard for program`, `terraform state rm`, `terraform import`),
			},
		},
	})
	if n := sb.Counters()["ApplyCard.processed"]; n != 1 {
		t.Errorf("ApplyCard processed %d times, want exactly 1", n)
	}
	if n := len(sb.Cards()); n != 1 {
		t.Errorf("sandbox issued %d cards, want exactly 1", n)
	}
}

// A run killed after the platform issued a card never saved it; the next run in the same
// working directory finds it in the journal and adopts it instead of applying again.
func TestAccCard_killedRunsCardIsAdopted(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "counts ApplyCard requests")
	cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
	dir := t.TempDir()
	journalOfEarlierRun(t, dir, journal.KindCard, cardFingerprint(sandbox.ProgramVirtual, nil), sandbox.ProgramVirtual, "", cardID,
		time.Now().Add(-time.Minute))
	sb.ResetCounters()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProvidersWithJournal(dir),
		CheckDestroy:             sb.checkAllCardsCancelled,
		Steps: []resource.TestStep{
			{
				Config: testAccVirtualCardConfig(sb, false, 0),
				Check:  resource.TestCheckResourceAttr("cards_card.test", "id", cardID),
			},
			{
				RefreshState: true, // the refresh confirms the saved card: its entry is deleted
				Check:        journalIsEmpty(dir),
			},
		},
	})
	if n := sb.Counters()["ApplyCard"]; n != 0 {
		t.Errorf("sandbox received %d ApplyCard requests, want 0 (the journaled card is adopted)", n)
	}
}

// A run killed while ApplyCard was in flight left no answer: a card may exist. The next plan
// stops, naming the journal entry to delete once the user has decided.
func TestAccCard_killedRunsUnansweredApplicationStopsThePlan(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "counts ApplyCard requests")
	dir := t.TempDir()
	entry := journalOfEarlierRun(t, dir, journal.KindCard, cardFingerprint(sandbox.ProgramVirtual, nil), sandbox.ProgramVirtual, "", "",
		time.Now().Add(-time.Minute))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProvidersWithJournal(dir),
		Steps: []resource.TestStep{
			{
				Config:      testAccVirtualCardConfig(sb, false, 0),
				PlanOnly:    true,
				ExpectError: errorText(`A card may already exist`, `before the platform's answer arrived`, `terraform import`, regexp.QuoteMeta(entry)),
			},
		},
	})
	if n := sb.Counters()["ApplyCard"]; n != 0 {
		t.Errorf("sandbox received %d ApplyCard requests, want 0", n)
	}
}

// journalIsEmpty fails while the journal in dir holds entries: once Terraform has saved and
// refreshed what an entry recorded, the entry is gone.
func journalIsEmpty(dir string) func(*terraform.State) error {
	return func(*terraform.State) error {
		entries, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			return fmt.Errorf("listing the journal: %w", err)
		}
		if len(entries) > 0 {
			return fmt.Errorf("journal still holds %v", entries)
		}
		return nil
	}
}
