package provider

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/arthawork/terraform-provider-cards/internal/journal"
)

func TestPlanCardUpdate(t *testing.T) {
	card := func(program, status string, frozen bool, pin int64) cardResourceModel {
		m := cardResourceModel{ID: types.StringValue("c1"), ProgramID: types.StringValue(program), Status: types.StringValue(status),
			Frozen: types.BoolValue(frozen), PinVersion: types.Int64Value(pin)}
		if program == "" {
			m.ProgramID = types.StringNull()
		}
		if pin < 0 {
			m.PinVersion = types.Int64Null()
		}
		return m
	}
	for _, tc := range []struct {
		name                    string
		state, plan             cardResourceModel
		imported                bool
		steps                   []cardStep
		replace, adopt          bool
		operates, changesStatus bool
	}{
		{name: "nothing to do", state: card("p", "Active", false, 1), plan: card("p", "Active", false, 1)},
		{name: "freeze", state: card("p", "Active", false, 1), plan: card("p", "", true, 1),
			steps: []cardStep{stepFreeze}, operates: true, changesStatus: true},
		{name: "unfreeze", state: card("p", "Frozen", true, 1), plan: card("p", "", false, 1),
			steps: []cardStep{stepUnfreeze}, operates: true, changesStatus: true},
		{name: "rotate the PIN", state: card("p", "Active", false, 1), plan: card("p", "", false, 2),
			steps: []cardStep{stepRotatePin}, operates: true},
		{name: "unfreeze before rotating", state: card("p", "Frozen", true, 1), plan: card("p", "", false, 2),
			steps: []cardStep{stepUnfreeze, stepRotatePin}, operates: true, changesStatus: true},
		{name: "rotate before freezing", state: card("p", "Active", false, 1), plan: card("p", "", true, 2),
			steps: []cardStep{stepRotatePin, stepFreeze}, operates: true, changesStatus: true},
		{name: "an interrupted create is finished first", state: card("p", "Pending", false, 1), plan: card("p", "", true, 1),
			steps: []cardStep{stepFinishIssuing, stepFreeze}, operates: true, changesStatus: true},
		{name: "a status not understood is waited for again", state: card("p", "Normal", false, 1), plan: card("p", "", false, 1),
			steps: []cardStep{stepFinishIssuing}, changesStatus: true},
		{name: "a card awaiting its physical card is bound", state: card("p", "AwaitingBinding", false, 1), plan: card("p", "", false, 1),
			steps: []cardStep{stepFinishIssuing}, changesStatus: true},
		{name: "another program replaces the card", state: card("p", "Active", false, 1), plan: card("q", "", false, 1), replace: true},
		{name: "an import without program adopts the configured one", state: card("", "Active", false, -1), plan: card("q", "", false, -1),
			adopt: true},
		{name: "the first update after an import adopts pin_version", state: card("p", "Active", false, -1), plan: card("p", "", false, 3),
			imported: true},
		{name: "pin_version set for the first time otherwise rotates", state: card("p", "Active", false, -1), plan: card("p", "", false, 3),
			steps: []cardStep{stepRotatePin}, operates: true},
		{name: "removing pin_version does not rotate", state: card("p", "Active", false, 2), plan: card("p", "", false, -1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := planCardUpdate(tc.state, tc.plan, tc.imported)
			if !slices.Equal(u.steps, tc.steps) {
				t.Errorf("steps %v, want %v", u.steps, tc.steps)
			}
			if u.replace != tc.replace || u.adoptProgram != tc.adopt {
				t.Errorf("replace %t adopt %t, want %t %t", u.replace, u.adoptProgram, tc.replace, tc.adopt)
			}
			if u.operates() != tc.operates || u.changesStatus() != tc.changesStatus || u.needsProgram() != (len(tc.steps) > 0) {
				t.Errorf("operates %t changesStatus %t needsProgram %t", u.operates(), u.changesStatus(), u.needsProgram())
			}
		})
	}
}

// A plan equal to its state changes nothing on a settled card, and resumes issuing on a
// settling one; either way it confirms the card's journal entry (ModifyPlan's fast path).
func TestCardModifyPlan_unchangedPlan(t *testing.T) {
	ctx := context.Background()
	var schemaResp resource.SchemaResponse
	(&cardResource{}).Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	for _, tc := range []struct {
		status      string
		wantWarning string // "": none, and status stays known
	}{
		{status: "Active"},
		{status: "Frozen"},
		{status: "Pending", wantWarning: "This plan resumes issuing a card"},
		{status: "AwaitingBinding", wantWarning: "This plan binds a physical card"},
		{status: "UnderAudit", wantWarning: "This plan resumes issuing a card"}, // a status the provider does not know
	} {
		t.Run(tc.status, func(t *testing.T) {
			dir := t.TempDir()
			entry := journalOfEarlierRun(t, dir, journal.KindCard, "fp", "prog-1", "", "card-1", time.Now())
			j, err := journal.Open(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			state := tfsdk.State{Schema: schemaResp.Schema, Raw: tftypes.NewValue(schemaResp.Schema.Type().TerraformType(ctx), nil)}
			for name, value := range map[string]attr.Value{"id": types.StringValue("card-1"), "program_id": types.StringValue("prog-1"),
				"status": types.StringValue(tc.status), "frozen": types.BoolValue(tc.status == "Frozen")} {
				if diags := state.SetAttribute(ctx, path.Root(name), value); diags.HasError() {
					t.Fatal(diags)
				}
			}
			plan := tfsdk.Plan(state)
			resp := &resource.ModifyPlanResponse{Plan: plan}
			(&cardResource{journal: j}).ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: plan, Config: tfsdk.Config(state)}, resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("diagnostics: %v", resp.Diagnostics)
			}
			var status types.String
			resp.Plan.GetAttribute(ctx, path.Root("status"), &status)
			switch {
			case tc.wantWarning == "" && (len(resp.Diagnostics) != 0 || status.IsUnknown()):
				t.Errorf("diagnostics %v, status %v: want an unchanged plan", resp.Diagnostics, status)
			case tc.wantWarning != "" && (resp.Diagnostics.WarningsCount() != 1 || resp.Diagnostics[0].Summary() != tc.wantWarning || !status.IsUnknown()):
				t.Errorf("diagnostics %v, status %v: want the warning %q and status unknown", resp.Diagnostics, status, tc.wantWarning)
			}
			if _, err := os.Stat(entry); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the journal entry of card-1 is still there (%v): the plan did not confirm it", err)
			}
		})
	}
}
