package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// TestCLIUnknownStatusThenMap plays issue #10 with the real CLI and the built provider against
// a sandbox that names statuses differently: without card_status_map, `terraform apply` fails
// naming the status and the setting; the card stays in state. After adding the
// map and `terraform untaint` (which the error asks for), the next apply finishes that card —
// no second card is issued — and the plan after it is empty.
func TestCLIUnknownStatusThenMap(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run the Terraform CLI against the built provider and an in-process sandbox")
	}
	cli := terraformCLI(t)
	cliConfig := providerCLIConfig(t)
	sb := startSandbox(t, sandbox.Options{TaskDelay: 100 * time.Millisecond,
		StatusNames: map[string]string{"Active": "Normal", "Frozen": "Locked"}})
	work := t.TempDir()
	writeMerchantKey(t, sb, work)
	writeConfig := func(maps string) {
		t.Helper()
		config := `terraform {
  required_providers {
    cards = { source = "arthawork/cards" }
  }
}

provider "cards" {
  base_url            = "` + sb.URL + `"
  customer_token      = "` + sb.CustomerToken + `"
  private_key         = file("merchant-key.pem")
  requests_per_second = 100
` + maps + `}

resource "cards_card" "test" {
  program_id = "` + sandbox.ProgramVirtual + `"
}
`
		if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + cliConfig}
	run := func(args ...string) (string, error) {
		out, err := runCLI(t.Context(), cli, work, env, append(args, "-no-color")...)
		return string(out), err
	}
	cards := func() []sandbox.CardInfo { return sb.Cards() }

	writeConfig("")
	start := time.Now()
	out, err := run("apply", "-auto-approve")
	if err == nil {
		t.Fatalf("apply without card_status_map succeeded:\n%s", out)
	}
	// How soon it gives up is TestWaitForCardStatusUnknownStatus's, on a fake clock; a wait
	// that never gave up would run into the create timeout (20 minutes) and the go test
	// timeout, and fail without the messages below.
	t.Logf("apply failed after %s", time.Since(start).Round(time.Second))
	for _, want := range []string{`reports status "Normal"`, "was waiting for", `card_status_map = { "Normal" = "<the status it means>" }`, "terraform untaint"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	if n := len(cards()); n != 1 {
		t.Fatalf("sandbox issued %d cards, want 1", n)
	}
	cardID := cards()[0].ID

	writeConfig(`  card_status_map     = { Normal = "Active", Locked = "Frozen" }` + "\n")
	if out, err := run("untaint", "cards_card.test"); err != nil {
		t.Fatalf("untaint: %v\n%s", err, out)
	}
	if out, err := run("apply", "-auto-approve"); err != nil {
		t.Fatalf("apply with the map: %v\n%s", err, out)
	}
	if got := cards(); len(got) != 1 || got[0].ID != cardID || got[0].Status != sandbox.CardStatusActive {
		t.Fatalf("after the apply with the map the sandbox has %+v, want only card %s, Active", got, cardID)
	}
	if out, err := run("plan", "-detailed-exitcode"); err != nil {
		t.Fatalf("plan after the apply is not empty: %v\n%s", err, out)
	}
	out, err = run("state", "show", "cards_card.test")
	if err != nil || !regexp.MustCompile(`status\s+=\s+"Active"`).MatchString(out) {
		t.Fatalf("state show: %v\n%s", err, out)
	}
	if out, err := run("destroy", "-auto-approve"); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	if got := cards(); got[0].Status != sandbox.CardStatusCancelled {
		t.Fatalf("after destroy the card is %s", got[0].Status)
	}
}
