package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// TestExamplesSavedPlanHoldsNoSecrets runs `terraform plan -out` on examples/demo against an
// in-process sandbox, with the KYC data and the physical card given through TF_VAR_*
// environment variables as a pipeline would, and searches the saved plan (every member of the
// zip archive, uncompressed), `terraform show -json` of it and the plan's output for each of
// those values: there must be none, because the variables that feed the write-only kyc and
// binding are ephemeral.
//
// Then it proves that the search can fail: the same plan from a copy of the demo whose
// variables are not ephemeral (only sensitive) must contain every value.
//
// Like TestExamples it needs the Terraform CLI (1.11 or later here, for write-only arguments)
// and TF_ACC=1: `make testexamples` runs it.
func TestExamplesSavedPlanHoldsNoSecrets(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to plan examples/demo with the Terraform CLI against the built provider and an in-process sandbox")
	}
	cli := terraformCLI(t)
	version := cliVersion(t, cli)
	if version[0] < 1 || version[0] == 1 && version[1] < 11 {
		t.Skipf("examples/demo uses write-only arguments, which need CLI version 1.11 or later; this CLI is %d.%d.%d",
			version[0], version[1], version[2])
	}

	cliConfig := providerCLIConfig(t)

	sb := startSandbox(t, sandbox.Options{})
	keyFile := writeMerchantKey(t, sb, t.TempDir())

	// Values that appear nowhere else: not in the demo's defaults (the saved plan holds a copy
	// of the configuration), nor in the sandbox's data. gender is left out of the search: it is
	// "male" or "female", and the demo's default says "female".
	traveller := map[string]string{ //nolint:gosec // made-up KYC data, not credentials
		"first_name":       "Zebulonia",
		"last_name":        "Quorrington",
		"gender":           "male",
		"date_of_birth":    "1983-07-29",
		"email":            "zq.savedplan@example.org",
		"mobile_code":      "+372",
		"mobile":           "55501987",
		"address":          "77 Saved Plan Crescent",
		"city":             "Plancaster",
		"state":            "Outfileshire",
		"zip_code":         "424242",
		"passport_number":  "X9Q8W7E6",
		"passport_front":   "U0FWRURQTEFORlJPTlQ=", // "SAVEDPLANFRONT"
		"passport_back":    "U0FWRURQTEFOQkFDSw==", // "SAVEDPLANBACK"
		"passport_expires": "2034-09-17",
	}
	card := map[string]string{
		"number":      sandbox.NewCardNumber(sandbox.ProgramPhysicalKYC),
		"envelope_no": "ENV-SAVED-0917",
	}
	var needles []string
	for name, v := range traveller {
		if name != "gender" {
			needles = append(needles, v)
		}
	}
	for _, v := range card {
		needles = append(needles, v)
	}
	travellerJSON, _ := json.Marshal(traveller)
	cardJSON, _ := json.Marshal(card)
	env := []string{
		"TF_CLI_CONFIG_FILE=" + cliConfig,
		"CARDS_BASE_URL=" + sb.URL,
		"CARDS_CUSTOMER_TOKEN=" + sb.CustomerToken,
		"CARDS_PRIVATE_KEY_FILE=" + keyFile,
		"TF_VAR_traveller=" + string(travellerJSON),
		"TF_VAR_traveller_card=" + string(cardJSON),
	}

	// plan runs `terraform plan -out` in a copy of the demo (edited by edit) and returns what
	// each needle was found in: plan file members, `show -json`, the plan's output.
	plan := func(t *testing.T, edit func(dir string)) map[string][]string {
		t.Helper()
		work := copyExample(t, filepath.Join(examplesDir, "demo"))
		edit(work)
		out, err := runCLI(t.Context(), cli, work, env, "plan", "-input=false", "-no-color", "-out=saved.tfplan")
		if err != nil {
			t.Fatalf("terraform plan -out: %v\n%s", err, out)
		}
		found := map[string][]string{}
		search := func(where string, data []byte) {
			for _, needle := range needles {
				if strings.Contains(string(data), needle) {
					found[needle] = append(found[needle], where)
				}
			}
		}
		search("plan output", out)
		members := searchZip(t, filepath.Join(work, "saved.tfplan"), search)
		if len(members) < 2 {
			t.Fatalf("the saved plan has %d members (%v): not the zip archive this test expects", len(members), members)
		}
		shown, err := runCLI(t.Context(), cli, work, env, "show", "-json", "saved.tfplan")
		if err != nil {
			t.Fatalf("terraform show -json: %v\n%s", err, shown)
		}
		if !json.Valid(shown) || !strings.Contains(string(shown), `"resource_changes"`) {
			t.Fatalf("terraform show -json did not print a plan:\n%s", shown)
		}
		search("show -json", shown)
		t.Logf("searched %d values in plan members %v, show -json (%d bytes) and the plan output", len(needles), members, len(shown))
		return found
	}

	t.Run("ephemeral variables", func(t *testing.T) {
		found := plan(t, func(string) {})
		for needle, where := range found {
			t.Errorf("the saved plan holds a KYC or card value (%.4s...) in %s", needle, strings.Join(where, ", "))
		}
	})

	// The control: without ephemeral = true the same search must find every value, or it
	// proves nothing.
	t.Run("control without ephemeral", func(t *testing.T) {
		found := plan(t, func(dir string) {
			file := filepath.Join(dir, "variables.tf")
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ephemeralLine := regexp.MustCompile(`(?m)^\s*ephemeral\s*=\s*true\s*\n`)
			if n := len(ephemeralLine.FindAll(data, -1)); n != 2 {
				t.Fatalf("examples/demo/variables.tf has %d `ephemeral = true` lines, want 2 (traveller, traveller_card)", n)
			}
			if err := os.WriteFile(file, ephemeralLine.ReplaceAll(data, nil), 0o600); err != nil {
				t.Fatal(err)
			}
		})
		for _, needle := range needles {
			if !containsMember(found[needle], "plan file ") || !containsMember(found[needle], "show -json") {
				t.Errorf("without ephemeral variables the plan file and show -json should both hold %.4s..., but the search "+
					"found it only in %v", needle, found[needle])
			}
		}
	})
}

// searchZip passes every member of the zip archive at name, uncompressed, to search and returns
// the members' names.
func searchZip(t *testing.T, name string, search func(where string, data []byte)) []string {
	t.Helper()
	archive, err := zip.OpenReader(name)
	if err != nil {
		t.Fatalf("a saved plan is a zip archive: %v", err)
	}
	defer archive.Close()
	var members []string
	for _, f := range archive.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("opening %s in the plan: %v", f.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading %s in the plan: %v", f.Name, err)
		}
		members = append(members, f.Name)
		search(fmt.Sprintf("plan file %s", f.Name), data)
	}
	return members
}

func containsMember(where []string, prefix string) bool {
	for _, w := range where {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}
