package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// TestCLIAnApplyStartsFromTheSettleTimeTheLastOneLearned plays #12's settle-time memory with
// the real CLI and the built provider: an apply that issues ten cards learns how long the
// platform takes to activate one and keeps it in .terraform/cards-pace/; the next apply in
// that working directory, a new provider process, waits for its one new card with a look at
// once and one at that time. The same one-card apply in a working directory with no memory
// looks at 0, 0.5, 1 and 2 s. Only requests are counted; no timing is asserted.
func TestCLIAnApplyStartsFromTheSettleTimeTheLastOneLearned(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run the Terraform CLI against the built provider and an in-process sandbox")
	}
	cli := terraformCLI(t)
	env := []string{"TF_CLI_CONFIG_FILE=" + providerCLIConfig(t)}
	sb := startSandbox(t, sandbox.Options{TaskDelay: 1500 * time.Millisecond})

	// newWorkDir is a working directory of cards_card × var.n, with no memory yet.
	newWorkDir := func() string {
		dir := t.TempDir()
		config := `terraform {
  required_providers {
    cards = { source = "arthawork/cards" }
  }
}

variable "n" { type = number }

provider "cards" {
  base_url       = "` + sb.URL + `"
  customer_token = "` + sb.CustomerToken + `"
  private_key    = file("merchant-key.pem")
}

resource "cards_card" "fleet" {
  count      = var.n
  program_id = "` + sandbox.ProgramVirtual + `"
}
`
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		writeMerchantKey(t, sb, dir)
		return dir
	}
	// apply applies n cards in dir and returns how many CardDetails the new ones took: the
	// rest went to the refresh, one per card already in state.
	apply := func(dir string, inState, n int) int {
		t.Helper()
		sb.ResetCounters()
		out, err := runCLI(t.Context(), cli, dir, env, "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=10", "-var", "n="+strconv.Itoa(n))
		if err != nil {
			t.Fatalf("apply of %d cards: %v\n%s", n, err, out)
		}
		return sb.Counters()["CardDetails"] - inState
	}

	work := newWorkDir()
	learning := apply(work, 0, 10)
	t.Logf("ten cards with nothing learned: %d looks", learning)
	kept, _ := filepath.Glob(filepath.Join(work, ".terraform", "cards-pace", "settle-*.json"))
	if len(kept) != 1 {
		t.Fatalf("settle files kept: %v, want one", kept)
	}
	data, err := os.ReadFile(kept[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), sb.CustomerToken) || strings.Contains(string(data), sb.URL) {
		t.Errorf("the kept settle times name a credential or the base URL: %s", data)
	}

	hinted := apply(work, 10, 11)
	cold := apply(newWorkDir(), 0, 1)
	t.Logf("one more card: %d looks after the ten; %d in a working directory with no memory", hinted, cold)
	// One look at once (a wait's task may be done already), then one at the kept time: when
	// the first apply first saw a card active, which may be a moment after the platform's
	// time or none, so a look at it may come a moment too soon and cost one more.
	if hinted < 2 || hinted > 3 {
		t.Errorf("the next apply's one card took %d looks, want 2 (at once, then at the time the last apply learned: %s), or 3", hinted, data)
	}
	if cold != 4 {
		t.Errorf("a one-card apply with no memory took %d looks, want 4 (0, 0.5, 1, 2 s)", cold)
	}
}
