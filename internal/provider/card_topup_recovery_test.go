package provider

import (
	"regexp"
	"testing"
	"time"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/journal"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// A run killed after CardTopUp was answered, or while it waited, left the top-up in the
// journal only. The next run adopts it (from the answer, or from the card's transactions)
// instead of moving money again.
func TestAccCardTopUp_killedRunsTopUpIsAdopted(t *testing.T) {
	for _, answered := range []bool{true, false} {
		name := map[bool]string{true: "answered", false: "unanswered"}[answered]
		t.Run(name, func(t *testing.T) {
			sb := startTestSandbox(t)
			sb.requireSandbox(t, "counts top-ups in the journal of a killed run")
			cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
			sentAt := time.Now().Add(-time.Second)
			task, err := sb.client(t).TopUp(testContext(t), cardID, decimal.RequireFromString("100"))
			if err != nil {
				t.Fatal(err)
			}
			sb.Settle()
			id := ""
			if answered {
				id = string(task.TaskID)
			}
			dir := t.TempDir()
			journalOfEarlierRun(t, dir, journal.KindTopUp, topUpFingerprint(cardID, decimal.RequireFromString("100")), cardID, "100.00", id, sentAt)
			config := topUpConfig(sb, cardID, "100", "")
			tfresource.ParallelTest(t, tfresource.TestCase{
				ProtoV6ProviderFactories: testAccProvidersWithJournal(dir),
				Steps: []tfresource.TestStep{
					{Config: config, Check: sb.oneTopUpOf100Made()},
					{RefreshState: true, Check: journalIsEmpty(dir)},
				},
			})
			if n := sb.Counters()["CardTopUp"]; n != 1 {
				t.Errorf("sandbox received %d CardTopUp requests, want 1 (the killed run's)", n)
			}
		})
	}
}

// A killed run's unanswered top-up is decided from the card's transactions: when two
// recharges of the amount could be it, no money moves and the error names the ways out; when
// none appeared within the create timeout after it was sent, it did not happen and the top-up
// is made (once).
func TestAccCardTopUp_killedRunsUnansweredTopUpIsDecided(t *testing.T) {
	hundred := decimal.RequireFromString("100")
	t.Run("ambiguous", func(t *testing.T) {
		sb := startTestSandbox(t)
		sb.requireSandbox(t, "counts top-ups in the journal of a killed run")
		cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
		dir := t.TempDir()
		entry := journalOfEarlierRun(t, dir, journal.KindTopUp, topUpFingerprint(cardID, hundred), cardID, "100.00", "",
			time.Now().Add(-time.Second))
		for range 2 {
			if _, err := sb.client(t).TopUp(testContext(t), cardID, hundred); err != nil {
				t.Fatal(err)
			}
		}
		sb.Settle()
		tfresource.ParallelTest(t, tfresource.TestCase{
			ProtoV6ProviderFactories: testAccProvidersWithJournal(dir),
			Steps: []tfresource.TestStep{{
				Config: topUpConfig(sb, cardID, "100", ""),
				ExpectError: errorText(`An earlier top-up may have gone through`, `cannot be decided`, `No money was moved`,
					`import`, regexp.QuoteMeta(entry)),
			}},
		})
		if n := sb.Counters()["CardTopUp"]; n != 2 {
			t.Errorf("sandbox received %d CardTopUp requests, want 2 (none from Terraform)", n)
		}
	})
	t.Run("never happened", func(t *testing.T) {
		sb := startTestSandbox(t)
		sb.requireSandbox(t, "counts top-ups in the journal of a killed run")
		cardID := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
		dir := t.TempDir()
		journalOfEarlierRun(t, dir, journal.KindTopUp, topUpFingerprint(cardID, hundred), cardID, "100.00", "",
			time.Now().Add(-2*time.Hour)) // longer ago than the create timeout (10m)
		tfresource.ParallelTest(t, tfresource.TestCase{
			ProtoV6ProviderFactories: testAccProvidersWithJournal(dir),
			Steps: []tfresource.TestStep{
				{Config: topUpConfig(sb, cardID, "100", ""), Check: sb.oneTopUpOf100Made()},
				{RefreshState: true, Check: journalIsEmpty(dir)},
			},
		})
	})
}
