package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/journal"
)

const (
	cardCreateTimeout = 20 * time.Minute
	cardUpdateTimeout = 10 * time.Minute
	cardDeleteTimeout = 10 * time.Minute
)

var (
	_ resource.Resource                   = (*cardResource)(nil)
	_ resource.ResourceWithConfigure      = (*cardResource)(nil)
	_ resource.ResourceWithImportState    = (*cardResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*cardResource)(nil)
	_ resource.ResourceWithValidateConfig = (*cardResource)(nil)
)

// NewCardResource is the cards_card resource.
func NewCardResource() resource.Resource { return &cardResource{} }

type cardResource struct {
	client  *cardsapi.Client
	journal *journal.Journal
	warned  *sync.Map // unknown statuses already warned about in this run
}

// cardResourceModel is the state of cards_card. Write-only attributes (kyc, binding,
// sign_image) are always null here; they are read from the configuration only.
type cardResourceModel struct {
	ID             types.String   `tfsdk:"id"`
	ProgramID      types.String   `tfsdk:"program_id"`
	KYC            types.Object   `tfsdk:"kyc"`
	Binding        types.Object   `tfsdk:"binding"`
	Frozen         types.Bool     `tfsdk:"frozen"`
	SignImage      types.String   `tfsdk:"sign_image"`
	PinVersion     types.Int64    `tfsdk:"pin_version"`
	Status         types.String   `tfsdk:"status"`
	CardLast4      types.String   `tfsdk:"card_last4"`
	ExpirationDate types.String   `tfsdk:"expiration_date"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

// cardBindingModel is the write-only binding object.
type cardBindingModel struct {
	CardNumber      types.String `tfsdk:"card_number"`
	EnvelopeNo      types.String `tfsdk:"envelope_no"`
	HandHeldIDPhoto types.String `tfsdk:"hand_held_id_photo"`
}

func (r *cardResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_card"
}

func (r *cardResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A payment card issued from a program. Create applies for the card (with KYC and the binding of a " +
			"physical card when the program needs them) and waits until it is active; destroy **cancels the card** " +
			"and waits until the platform says it is cancelled. The card number, CVV and PIN never enter state: " +
			"read them with the `cards_card_secrets` and `cards_card_pin` ephemeral resources.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The card id assigned by the platform. `unconfirmed-…` is a placeholder for an `ApplyCard` " +
					"whose answer was lost: the plan stops on it until you import the card or remove the placeholder (see the " +
					"provider's *Failure handling*).",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"program_id": schema.StringAttribute{
				MarkdownDescription: "The program the card is issued from (`data.cards_merchant` lists them). Changing it issues a new " +
					"card and cancels this one. An import finds the program from the card number's BIN when exactly one of the " +
					"merchant's programs matches; otherwise the configured value is adopted without replacement.",
				Required: true,
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 36),
				},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.RequiresReplaceIf(requiresReplaceUnlessImported,
						"Changing the program issues a new card.", "Changing the program issues a new card."),
				},
			},
			"kyc": kycSchema(),
			"binding": schema.SingleNestedAttribute{
				MarkdownDescription: "The physical card to bind after the card is applied for (after the KYC review when the program " +
					"reviews at apply time). **Write-only** (Terraform 1.11 or later): never stored in plan or state. Set on a program " +
					"of virtual cards (one that asks for no envelope number, hand-held photo or KYC at binding, and charges no " +
					"freight) it fails the plan: such cards are never bound.",
				Optional:  true,
				WriteOnly: true,
				Attributes: map[string]schema.Attribute{
					"card_number": schema.StringAttribute{
						MarkdownDescription: "The number printed on the physical card: 12 to 19 digits, no spaces, passing the Luhn check (checked at plan time). Write-only.",
						Required:            true,
						WriteOnly:           true,
						Validators: []validator.String{
							cardNumberValidator,
						},
					},
					"envelope_no": schema.StringAttribute{
						MarkdownDescription: "The envelope number of the physical card (up to 15 characters), when the program requires it. Write-only.",
						Optional:            true,
						WriteOnly:           true,
						Validators:          []validator.String{stringvalidator.LengthBetween(1, 15)},
					},
					"hand_held_id_photo": schema.StringAttribute{
						MarkdownDescription: "Photo of the holder holding the identity document, when the program requires it to activate a card: " +
							imageRule + " (checked at plan time). Write-only.",
						Optional:   true,
						WriteOnly:  true,
						Validators: imageValidators,
					},
				},
			},
			"frozen": schema.BoolAttribute{
				MarkdownDescription: "Whether the card is frozen (default `false`). Changing it freezes or unfreezes the card and waits " +
					"until the status settles. A card frozen or unfrozen outside Terraform, or imported frozen, shows as a change " +
					"of this attribute: set `frozen = true` to keep it frozen.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"sign_image": schema.StringAttribute{
				MarkdownDescription: "Signature image sent with freeze, unfreeze and PIN rotation when the program requires one " +
					"(`need_photo_for_operate_card`): " + imageRule + ". Checked at plan time, so a bad image stops the plan " +
					"before a card is issued or changed. **Write-only** (Terraform 1.11 or later).",
				Optional:   true,
				WriteOnly:  true,
				Validators: imageValidators,
			},
			"pin_version": schema.Int64Attribute{
				MarkdownDescription: "Changing it to a new value on an existing card, or setting it for the first time, asks the platform " +
					"to set a new PIN and waits until it is in place; setting it when the card is created, or removing it, does not. " +
					"Read the PIN with the `cards_card_pin` ephemeral resource. After an import, the first apply adopts the configured " +
					"value without rotating.",
				Optional: true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "The card's status on the platform, e.g. `Active` or `Frozen`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"card_last4": schema.StringAttribute{
				MarkdownDescription: "The last four digits of the card number. The full number is never stored.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"expiration_date": schema.StringAttribute{
				MarkdownDescription: "The card's expiration date as the platform reports it.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

// requiresReplaceUnlessImported replaces the card when program_id changes, except after an
// import that found no program (planCardUpdate decides).
func requiresReplaceUnlessImported(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	var state, plan cardResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.RequiresReplace = planCardUpdate(state, plan, false).replace
}

func (r *cardResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data := resourceDataFrom(req.ProviderData, &resp.Diagnostics)
	r.client, r.journal, r.warned = data.client, data.journal, data.warnedStatuses
}

func (r *cardResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var pinVersion types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("pin_version"), &pinVersion)...)
	if !pinVersion.IsNull() && !pinVersion.IsUnknown() && pinVersion.ValueInt64() < 0 {
		resp.Diagnostics.AddAttributeError(path.Root("pin_version"), "Invalid pin_version",
			"pin_version must be zero or a positive number; change it to rotate the PIN.")
	}
}

// ModifyPlan checks, before anything is sent, that the configuration gives what the program
// needs (KYC fields, binding, signature image), and marks status unknown when it will change.
func (r *cardResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	creating := req.State.Raw.IsNull()
	if !creating && req.Plan.Raw.Equal(req.State.Raw) && r.plansNothing(ctx, req.State, &resp.Diagnostics) {
		return
	}
	var state cardResourceModel
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		// This id is in a state Terraform saved: never adopt it for another resource, also when
		// the run does not refresh (-refresh=false), where Read would not say so.
		r.journal.Confirm(state.ID.ValueString())
	}
	if req.Plan.Raw.IsNull() {
		if !creating {
			resp.Diagnostics.AddWarning("Destroying a card cancels it",
				fmt.Sprintf("Card %s%s will be cancelled on the platform for good; any balance left on it stays with the cancelled card. "+
					"To stop managing it without cancelling, use a removed block or terraform state rm.", state.ID.ValueString(), endingIn(state)))
		}
		return
	}
	plan := state
	if creating || !req.Plan.Raw.Equal(req.State.Raw) { // a plan that changes nothing need not be read again
		resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	var update cardUpdate
	if !creating {
		imported, diags := req.Private.GetKey(ctx, privateKeyImported)
		resp.Diagnostics.Append(diags...)
		update = planCardUpdate(state, plan, string(imported) == "true")
		update.warnings(state, &resp.Diagnostics)
		unknown := []string{}
		if update.changesStatus() {
			unknown = append(unknown, "status")
		}
		if update.has(stepFinishIssuing) {
			unknown = append(unknown, "card_last4", "expiration_date")
		}
		for _, attr := range unknown {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(attr), types.StringUnknown())...)
		}
	}
	finishing := update.has(stepFinishIssuing)
	operating := (creating && plan.Frozen.ValueBool()) || update.operates()
	if r.client == nil || plan.ProgramID.IsUnknown() || (!creating && !update.needsProgram()) {
		return // nothing to check, or the provider is not configured (validate)
	}
	wo := readWriteOnly(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	program, err := r.client.ProgramDetails(ctx, plan.ProgramID.ValueString())
	if err != nil {
		if addWrongBaseURL(ctx, r.client, err, &resp.Diagnostics) {
			return
		}
		if cardsapi.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("program_id"), "Program not found",
				fmt.Sprintf("program_id: no program %q exists for this merchant.%s", plan.ProgramID.ValueString(), r.programList(ctx)))
			return
		}
		resp.Diagnostics.AddError("Cannot read the card's program", err.Error())
		return
	}
	if creating || finishing {
		resp.Diagnostics.Append(checkCreateInputs(program, wo, finishing)...)
		resp.Diagnostics.Append(checkInputValues(ctx, r.client, program, wo, finishing)...)
	}
	if creating && !wo.kycUnknown {
		r.planJournaledCard(program, wo, &resp.Diagnostics)
	}
	if operating && bool(program.NeedPhotoForOperateCard) && wo.signImage == "" && !wo.signImageUnknown {
		resp.Diagnostics.AddAttributeError(path.Root("sign_image"), "Missing sign_image",
			fmt.Sprintf("Program %q requires a signature image to freeze, unfreeze or rotate the PIN of a card; set sign_image.", program.ProgramID))
	}
}

// plansNothing reports whether a plan equal to its state leaves the card as it is, which is
// every card but a settling one, and then confirms its id as ModifyPlan does for every card in
// state: it needs no more than the id and the status. Most cards of a plan change nothing,
// and reading the whole model costs 0.1 ms a card alone and 4% of the provider's CPU in a
// refresh of 1000 cards: terraform-plugin-framework compiles a regular expression for each
// tfsdk tag on every Get (BENCHMARKS.md). A settling card is left to the rest of ModifyPlan.
func (r *cardResource) plansNothing(ctx context.Context, state tfsdk.State, diags *diag.Diagnostics) bool {
	var card cardResourceModel
	diags.Append(state.GetAttribute(ctx, path.Root("id"), &card.ID)...)
	diags.Append(state.GetAttribute(ctx, path.Root("status"), &card.Status)...)
	if diags.HasError() {
		return true
	}
	if stillSettling(card) || awaitsBinding(card) {
		return false
	}
	r.journal.Confirm(card.ID.ValueString())
	return true
}

// programList names the merchant's programs for a "not found" message.
func (r *cardResource) programList(ctx context.Context) string {
	merchant, err := r.client.MerchantInformation(ctx)
	if err != nil || len(merchant.Programs) == 0 {
		return " data.cards_merchant lists the merchant's programs."
	}
	var names []string
	for _, p := range merchant.Programs {
		names = append(names, fmt.Sprintf("%s (%s)", p.ProgramID, p.Name))
	}
	return " The merchant's programs: " + strings.Join(names, ", ") + "."
}

// pinRotationPlanned reports whether an update sets a new PIN: pin_version changed to a new
// number. Removing pin_version, or the first apply after an import, only records the value.
func pinRotationPlanned(state, plan cardResourceModel, imported bool) bool {
	if plan.PinVersion.IsNull() || plan.PinVersion.Equal(state.PinVersion) {
		return false
	}
	adoptingAfterImport := imported && state.PinVersion.IsNull()
	return !adoptingAfterImport
}

// awaitsBinding reports whether the card waits for its physical card to be bound.
func awaitsBinding(m cardResourceModel) bool {
	return strings.EqualFold(m.Status.ValueString(), cardsapi.CardStatusAwaitingBinding)
}

// endingIn names the card's last four digits for messages, when known.
func endingIn(m cardResourceModel) string {
	if last4 := m.CardLast4.ValueString(); last4 != "" {
		return " (ending " + last4 + ")"
	}
	return ""
}

// writeOnlyInputs are the write-only values of one configuration.
type writeOnlyInputs struct {
	kyc              *cardsapi.KYC
	kycSet           map[string]bool
	kycUnknown       bool
	binding          *cardBindingModel
	bindingUnknown   bool
	signImage        string
	signImageUnknown bool
}

func readWriteOnly(ctx context.Context, config interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, diags *diag.Diagnostics) writeOnlyInputs {
	var in writeOnlyInputs
	var kycObj, bindingObj types.Object
	var signImage types.String
	diags.Append(config.GetAttribute(ctx, path.Root("kyc"), &kycObj)...)
	diags.Append(config.GetAttribute(ctx, path.Root("binding"), &bindingObj)...)
	diags.Append(config.GetAttribute(ctx, path.Root("sign_image"), &signImage)...)
	if diags.HasError() {
		return in
	}
	in.kycUnknown = objectPartlyUnknown(kycObj)
	in.kyc, in.kycSet = kycFromConfig(kycObj)
	in.bindingUnknown = objectPartlyUnknown(bindingObj)
	if !bindingObj.IsNull() && !bindingObj.IsUnknown() {
		var b cardBindingModel
		diags.Append(bindingObj.As(ctx, &b, objectAsOptions)...)
		in.binding = &b
	}
	in.signImage = signImage.ValueString()
	in.signImageUnknown = signImage.IsUnknown()
	return in
}

// objectPartlyUnknown reports whether an object or any of its attributes is not yet known:
// plan-time checks of it then wait for apply.
func objectPartlyUnknown(obj types.Object) bool {
	if obj.IsUnknown() {
		return true
	}
	for _, v := range obj.Attributes() {
		if v.IsUnknown() {
			return true
		}
	}
	return false
}

// checkCreateInputs checks that the configuration carries what the program needs to issue a card.
// With resumingBinding, the card was applied for already: only what Binding needs is checked.
func checkCreateInputs(program *cardsapi.Program, wo writeOnlyInputs, resumingBinding bool) diag.Diagnostics {
	var diags diag.Diagnostics
	required, unknownKeys := program.RequiredKYCFields()
	if resumingBinding && bool(program.KYCRequiredWhileApplyCard) {
		required, unknownKeys = nil, nil // KYC went with ApplyCard
	}
	if len(unknownKeys) > 0 {
		diags.AddWarning("Unknown KYC requirement",
			fmt.Sprintf("Program %q asks for KYC %q, which this provider does not know; the platform will say if a field is missing.",
				program.ProgramID, strings.Join(unknownKeys, ",")))
	}
	if !wo.kycUnknown {
		if missing := missingKYC(required, wo.kycSet); len(missing) > 0 {
			when := "at binding"
			if program.KYCRequiredWhileApplyCard {
				when = "when applying for a card"
			}
			diags.AddAttributeError(path.Root("kyc"), "Missing KYC fields", missingKYCMessage(string(program.ProgramID), when, missing))
		}
	}
	if wo.bindingUnknown {
		return diags
	}
	physical := bool(program.EnvelopeNoRequired || program.NeedPhotoForActiveCard)
	switch {
	case wo.binding == nil && physical:
		diags.AddAttributeError(path.Root("binding"), "Missing binding",
			fmt.Sprintf("Program %q issues physical cards: set binding = { card_number = ... } with the card to bind.", program.ProgramID))
	case wo.binding != nil && bool(program.EnvelopeNoRequired) && wo.binding.EnvelopeNo.ValueString() == "" && !wo.binding.EnvelopeNo.IsUnknown():
		diags.AddAttributeError(path.Root("binding").AtName("envelope_no"), "Missing envelope_no",
			fmt.Sprintf("Program %q requires the envelope number of the physical card: set binding.envelope_no.", program.ProgramID))
	case wo.binding != nil && bool(program.NeedPhotoForActiveCard) && wo.binding.HandHeldIDPhoto.ValueString() == "" && !wo.binding.HandHeldIDPhoto.IsUnknown():
		diags.AddAttributeError(path.Root("binding").AtName("hand_held_id_photo"), "Missing hand_held_id_photo",
			fmt.Sprintf("Program %q requires a photo of the holder holding the identity document to activate a card: set binding.hand_held_id_photo.", program.ProgramID))
	}
	return diags
}

func (r *cardResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan cardResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	wo := readWriteOnly(ctx, req.Config, &resp.Diagnostics)
	timeout, diags := plan.Timeouts.Create(ctx, cardCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	terraformCtx := ctx // ends when Terraform is interrupted; ctx also ends at the create timeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	programID := plan.ProgramID.ValueString()
	program, err := r.client.ProgramDetails(ctx, programID)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("program_id"), "Cannot read the card's program", err.Error())
		return
	}
	resp.Diagnostics.Append(checkCreateInputs(program, wo, false)...) // again: values unknown at plan time are known now
	resp.Diagnostics.Append(checkInputValues(ctx, r.client, program, wo, false)...)
	if resp.Diagnostics.HasError() {
		return
	}

	cardID := r.applyForCard(ctx, program, wo, &plan, resp)
	if cardID == "" {
		return
	}
	// Write the id at once: from here on, a failure leaves the card in state, never lost.
	plan.ID = types.StringValue(cardID)
	plan.Status = types.StringValue(cardsapi.CardStatusPending)
	plan.CardLast4 = types.StringValue("")
	plan.ExpirationDate = types.StringValue("")
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	details, summary, err := r.finishIssuing(ctx, cardID, program, wo, &plan)
	if err != nil {
		r.failCreate(ctx, terraformCtx, resp, &plan, err, summary)
		return
	}
	plan.setFromDetails(details)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// applyForCard returns the id of the card this resource gets: one an earlier killed run was
// issued (from the journal), or a new one. "" means it stopped, with diagnostics (and, for an
// unknown outcome, a placeholder in state).
func (r *cardResource) applyForCard(ctx context.Context, program *cardsapi.Program, wo writeOnlyInputs,
	plan *cardResourceModel, resp *resource.CreateResponse) string {
	programID := plan.ProgramID.ValueString()
	apply := cardsapi.ApplyCardRequest{ProgramID: programID, KYC: applyKYC(program, wo)}
	fingerprint := cardFingerprint(programID, apply.KYC)
	if blocked := cardAttemptsInFlight(r.journal, fingerprint, programID); blocked != "" {
		resp.Diagnostics.AddError("A card may already exist", blocked)
		return ""
	}
	if cardID := r.adoptJournaledCard(ctx, fingerprint, &resp.Diagnostics); cardID != "" {
		return cardID
	}
	attempt, err := r.journal.Begin(journal.KindCard, fingerprint, programID, "")
	if err != nil {
		resp.Diagnostics.AddError("Cannot apply for a card", fmt.Sprintf("Nothing was sent: %s. %s", err, journalAdvice))
		return ""
	}
	sendCtx, cancel := sendContext(ctx)
	defer cancel()
	applied, err := r.client.ApplyCard(sendCtx, apply)
	switch {
	case cardsapi.IsOutcomeUnknown(err):
		r.recordUnconfirmedCard(ctx, &resp.State, resp.Private, plan, attempt, err, &resp.Diagnostics)
		return ""
	case err != nil:
		attempt.Drop()
		resp.Diagnostics.AddError("Cannot apply for a card", applyCardErrorDetail(programID, err))
		return ""
	case applied.CardID == "":
		r.recordUnconfirmedCard(ctx, &resp.State, resp.Private, plan, attempt,
			fmt.Errorf("ApplyCard for program %q was accepted (%s) but returned no card id", programID, applied.Remarks), &resp.Diagnostics)
		return ""
	}
	if err := attempt.Answered(string(applied.CardID)); err != nil {
		tflog.Warn(ctx, "could not journal the issued card", map[string]any{"card_id": applied.CardID, "error": err.Error()})
	}
	tflog.Info(ctx, "card applied for", map[string]any{"card_id": applied.CardID, "program_id": programID})
	return string(applied.CardID)
}

// journalAdvice explains a journal that cannot be written.
const journalAdvice = "The provider records every card application in its journal (in Terraform's data directory) " +
	"before sending it, so that a killed run loses nothing; make that folder writable"

// applyKYC is the KYC that goes with ApplyCard (nil when the program takes it at binding).
func applyKYC(program *cardsapi.Program, wo writeOnlyInputs) *cardsapi.KYC {
	if program.KYCAtApply() {
		return wo.kyc
	}
	return nil
}

// finishIssuing takes an applied card to where the configuration wants it: past the KYC
// review, bound when physical, frozen when asked. On failure it names what failed.
func (r *cardResource) finishIssuing(ctx context.Context, cardID string, program *cardsapi.Program, wo writeOnlyInputs,
	plan *cardResourceModel) (*cardsapi.CardDetails, string, error) {
	details, err := r.client.WaitForCardStatus(ctx, cardID,
		[]string{cardsapi.CardStatusAwaitingBinding, cardsapi.CardStatusActive},
		[]string{cardsapi.CardStatusKYCRejected, cardsapi.CardStatusCancelled})
	if err != nil {
		return nil, "The card did not become ready", err
	}
	if strings.EqualFold(details.CardStatus, cardsapi.CardStatusAwaitingBinding) {
		plan.setFromDetails(details)
		if details, err = r.bind(ctx, cardID, program, wo); err != nil {
			return nil, "The physical card could not be bound", err
		}
	}
	if plan.Frozen.ValueBool() && !strings.EqualFold(details.CardStatus, cardsapi.CardStatusFrozen) {
		plan.setFromDetails(details)
		if details, err = r.setFrozen(ctx, cardID, true, wo.signImage); err != nil {
			return nil, "The card could not be frozen", err
		}
	}
	return details, "", nil
}

// planJournaledCard stops the plan of a new card when an earlier, killed run's application of
// the same card was in flight: a card may exist that no state holds.
func (r *cardResource) planJournaledCard(program *cardsapi.Program, wo writeOnlyInputs, diags *diag.Diagnostics) {
	fingerprint := cardFingerprint(string(program.ProgramID), applyKYC(program, wo))
	if blocked := cardAttemptsInFlight(r.journal, fingerprint, string(program.ProgramID)); blocked != "" {
		diags.AddError("A card may already exist", blocked)
		return
	}
	// Cards to adopt are named at apply, not here: while this plan runs, the refresh of the
	// resources that hold some of them has not necessarily confirmed them yet.
}

// stillSettling reports whether a card in state is still being issued (an interrupted create),
// or in a status the provider does not understand (apply waits again and, until it is mapped,
// stops with an error naming card_status_map).
func stillSettling(m cardResourceModel) bool {
	status := m.Status.ValueString()
	return containsStatus([]string{cardsapi.CardStatusPending, cardsapi.CardStatusKYCReview}, status) ||
		(status != "" && !isUnconfirmedID(m.ID.ValueString()) && !cardsapi.IsKnownCardStatus(status))
}

// warnUnknownStatus says once per run that a card's status is not one the provider knows.
func (r *cardResource) warnUnknownStatus(status string, diags *diag.Diagnostics) {
	if _, seen := r.warned.LoadOrStore(strings.ToLower(status), true); seen {
		return
	}
	diags.AddWarning("Card status not understood",
		fmt.Sprintf("The platform reports a card status %q, which the provider does not know. It is shown as it is, and nothing "+
			"(such as frozen) is read from it. If it is one of the lifecycle statuses under another name, map it in the provider "+
			"block: card_status_map = { %q = \"Active\" } (or Frozen, Pending, ...).", status, status))
}

// failCreate keeps the applied card in state and explains. Interrupted by Terraform, the card
// is saved as it is, without an error, so it is not tainted: the next apply resumes it. Any
// other failure is an error, and Terraform marks the card tainted.
func (r *cardResource) failCreate(ctx, terraformCtx context.Context, resp *resource.CreateResponse, plan *cardResourceModel, err error, summary string) {
	cardID := plan.ID.ValueString()
	var timeout *cardsapi.WaitTimeoutError
	if errors.As(err, &timeout) && timeout.LastStatus != "" {
		plan.Status = types.StringValue(timeout.LastStatus)
	}
	if interrupted(terraformCtx) {
		// frozen stays as planned (Terraform requires the planned value); the next refresh reads the truth.
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		resp.Diagnostics.AddWarning("Card saved unfinished: "+interruptedByRunNote,
			fmt.Sprintf("Card %s was applied for and is saved in the state with status %s. It is not tainted: the next apply "+
				"waits for it and finishes what create started (binding, freezing). No second card is issued.",
				cardID, plan.Status.ValueString()))
		return
	}
	advice := fmt.Sprintf("Card %s exists on the platform and stays in the Terraform state, marked tainted: the next apply "+
		"cancels it and issues a new card. To keep it instead, fix the cause and run `terraform untaint` on this resource.", cardID)
	var settled *cardsapi.UnexpectedStatusError
	var unknown *cardsapi.UnknownStatusError
	switch {
	case errors.As(err, &unknown):
		plan.Status = types.StringValue(unknown.Status)
		summary = "The card's status is not understood"
		advice = fmt.Sprintf("Card %s exists on the platform and stays in the Terraform state, marked tainted; while its status "+
			"is not understood it is neither cancelled nor replaced. Set card_status_map in the provider block, then run "+
			"`terraform untaint` on this resource: the next apply finishes this card instead of cancelling it and issuing "+
			"another.", cardID)
	case timeout != nil:
		createTimeout, _ := plan.Timeouts.Create(ctx, cardCreateTimeout)
		advice += fmt.Sprintf(" The create timeout is %s; if the platform needs longer (a KYC review can take hours), "+
			"raise it with timeouts { create = \"...\" } and untaint the card rather than issue a new one.", createTimeout)
	case awaitsBinding(*plan):
		advice = fmt.Sprintf("Card %s was issued and waits for its physical card; the platform cannot cancel a card in that state, "+
			"so it must not be replaced. Correct binding, run `terraform untaint` on this resource, and apply again: "+
			"the provider binds the card instead of issuing a new one.", cardID)
	case errors.As(err, &settled):
		plan.Status = types.StringValue(settled.Status)
		if strings.EqualFold(settled.Status, cardsapi.CardStatusKYCRejected) {
			summary = "The KYC review rejected the cardholder"
			advice = fmt.Sprintf("Card %s can never be activated. Correct the kyc attributes and apply again: the rejected card "+
				"stays in the state, tainted, and is replaced (it needs no cancelling).", cardID)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.AddError(summary, fmt.Sprintf("%s\n\n%s", err, advice))
}

// bind binds the physical card and waits until the card is active.
func (r *cardResource) bind(ctx context.Context, cardID string, program *cardsapi.Program, wo writeOnlyInputs) (*cardsapi.CardDetails, error) {
	if wo.binding == nil {
		return nil, fmt.Errorf("card %s is waiting for a physical card to be bound, and the configuration has no binding block: "+
			"set binding = { card_number = ... }", cardID)
	}
	bind := cardsapi.BindCardRequest{
		CardID:          cardID,
		CardNumber:      wo.binding.CardNumber.ValueString(),
		EnvelopeNo:      wo.binding.EnvelopeNo.ValueString(),
		HandHoldIDPhoto: wo.binding.HandHeldIDPhoto.ValueString(),
	}
	if program.NeedsKYC() && !bool(program.KYCRequiredWhileApplyCard) {
		bind.KYC = wo.kyc
	}
	sendCtx, cancel := sendContext(ctx)
	defer cancel()
	if _, err := r.client.BindCard(sendCtx, bind); err != nil {
		if cardsapi.IsOutcomeUnknown(err) {
			return nil, fmt.Errorf("%w\nThe binding of card %s may have been accepted: the next refresh shows the card's status", err, cardID)
		}
		return nil, withTerraformNames(err, "Binding")
	}
	return r.client.WaitForCardStatus(ctx, cardID, []string{cardsapi.CardStatusActive},
		[]string{cardsapi.CardStatusCancelled, cardsapi.CardStatusKYCRejected})
}

// setFrozen freezes or unfreezes a card and waits until the status settles.
func (r *cardResource) setFrozen(ctx context.Context, cardID string, frozen bool, signImage string) (*cardsapi.CardDetails, error) {
	target := cardsapi.CardStatusActive
	var err error
	if frozen {
		target = cardsapi.CardStatusFrozen
		_, err = r.client.FreezeCard(ctx, cardID, signImage)
	} else {
		_, err = r.client.UnfreezeCard(ctx, cardID, signImage)
	}
	if cardsapi.IsRefused(err) && r.cardIsIn(ctx, cardID, target) {
		err = nil // a retried request whose first attempt already took effect
	}
	if err != nil {
		return nil, err
	}
	return r.client.WaitForCardStatus(ctx, cardID, []string{target}, []string{cardsapi.CardStatusCancelled})
}

// cardIsIn reports whether the card's status is already want (false when it cannot be read).
func (r *cardResource) cardIsIn(ctx context.Context, cardID, want string) bool {
	details, err := r.client.CardDetails(ctx, cardID)
	return err == nil && strings.EqualFold(details.CardStatus, want)
}

func (r *cardResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state cardResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if isUnconfirmedID(state.ID.ValueString()) {
		record := readUnconfirmed(ctx, req.Private)
		resp.Diagnostics.AddError("Card application outcome unknown",
			fmt.Sprintf("An earlier apply sent ApplyCard for program %q at %s and never got the answer, so a card may have "+
				"been issued. This resource holds a placeholder (%s) until you decide. %s", state.ProgramID.ValueString(),
				record.SentAt.Format(time.RFC3339), state.ID.ValueString(), unconfirmedCardWaysOut))
		return
	}
	details, err := r.client.CardDetails(ctx, state.ID.ValueString())
	gone := cardsapi.IsNotFound(err)
	if gone {
		err = r.client.CheckReachable(ctx) // a wrong base_url must not make every card look gone
	}
	if err == nil && (gone || strings.EqualFold(details.CardStatus, cardsapi.CardStatusCancelled)) {
		resp.Diagnostics.AddWarning("Card no longer active",
			fmt.Sprintf("Card %s is cancelled or gone on the platform, so it was removed from the Terraform state; "+
				"Terraform now plans to issue a new card.", state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the card", err.Error())
		return
	}
	if state.setFromDetails(details) { // the response holds the state as it was: most refreshes change nothing
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	}
	r.journal.Confirm(state.ID.ValueString()) // this id is in a state Terraform saved: never adopt it again
	if !cardsapi.IsKnownCardStatus(details.CardStatus) {
		r.warnUnknownStatus(details.CardStatus, &resp.Diagnostics)
	}
}

func (r *cardResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state cardResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	wo := readWriteOnly(ctx, req.Config, &resp.Diagnostics)
	timeout, diags := plan.Timeouts.Update(ctx, cardUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	terraformCtx := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cardID := state.ID.ValueString()

	// Progress is recorded step by step, so a failure leaves in state exactly what was done.
	progress := state
	progress.ProgramID, progress.Timeouts = plan.ProgramID, plan.Timeouts
	imported, diags := req.Private.GetKey(ctx, privateKeyImported)
	resp.Diagnostics.Append(diags...)
	update := planCardUpdate(state, plan, string(imported) == "true")
	if !update.has(stepRotatePin) {
		progress.PinVersion = plan.PinVersion // otherwise recorded once the rotation is done
	}
	var details *cardsapi.CardDetails
	for _, step := range update.steps {
		var err error
		summary := step.failure()
		switch step {
		case stepFinishIssuing:
			var program *cardsapi.Program
			if program, err = r.client.ProgramDetails(ctx, plan.ProgramID.ValueString()); err != nil {
				summary = "Cannot read the card's program"
				break
			}
			issuing := progress
			issuing.Frozen = types.BoolValue(false) // freezing is a step of its own
			details, summary, err = r.finishIssuing(ctx, cardID, program, wo, &issuing)
			progress.Status = issuing.Status
		case stepUnfreeze, stepFreeze:
			details, err = r.setFrozen(ctx, cardID, step == stepFreeze, wo.signImage)
		case stepRotatePin:
			if err = r.client.RotatePin(ctx, cardID, wo.signImage); err == nil {
				progress.PinVersion = plan.PinVersion
				tflog.Info(ctx, "card PIN rotated", map[string]any{"card_id": cardID})
			}
		}
		if err != nil {
			r.failUpdate(ctx, terraformCtx, resp, &progress, err, summary)
			return
		}
		if details != nil {
			progress.setFromDetails(details)
		}
	}
	var err error
	if details == nil {
		if details, err = r.client.CardDetails(ctx, cardID); err != nil {
			r.failUpdate(ctx, terraformCtx, resp, &progress, err, "Cannot read the card")
			return
		}
	}
	progress.setFromDetails(details)
	resp.Diagnostics.Append(resp.State.Set(ctx, &progress)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKeyImported, nil)...)
}

// failUpdate records the progress made (an update's error never taints) and explains.
func (r *cardResource) failUpdate(ctx, terraformCtx context.Context, resp *resource.UpdateResponse, progress *cardResourceModel, err error, summary string) {
	resp.Diagnostics.Append(resp.State.Set(ctx, progress)...)
	detail := fmt.Sprintf("Card %s: %s", progress.ID.ValueString(), err)
	if interrupted(terraformCtx) {
		summary = "Card update stopped: " + interruptedByRunNote
		detail += "\n\nWhat was done is saved in the state; the next apply continues from there."
	}
	resp.Diagnostics.AddError(summary, detail)
}

func (r *cardResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state cardResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	timeout, diags := state.Timeouts.Delete(ctx, cardDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	terraformCtx := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cardID := state.ID.ValueString()
	if isUnconfirmedID(cardID) {
		resp.Diagnostics.AddWarning("Placeholder removed; a card may exist",
			fmt.Sprintf("This resource held only a placeholder (%s) for an ApplyCard whose answer never arrived. It was removed "+
				"from the state. If the platform issued that card, it is live and no state holds it: look on the merchant platform "+
				"for a card of program %q issued at that time and cancel or import it.", cardID, state.ProgramID.ValueString()))
		return
	}

	if !r.cancel(ctx, terraformCtx, cardID, state.Status.ValueString(), &resp.Diagnostics) {
		return
	}
	if err := r.client.WaitForCardCancelled(ctx, cardID); err != nil {
		summary := "The card was not cancelled in time"
		if interrupted(terraformCtx) {
			summary = "Card cancellation not confirmed: " + interruptedByRunNote
		}
		resp.Diagnostics.AddError(summary,
			fmt.Sprintf("Card %s: CancelCard was accepted, but %s. It stays in the state; destroy again to continue: "+
				"the card is not cancelled twice.", cardID, err))
		return
	}
	r.journal.Confirm(cardID)
}

// cancel sends CancelCard unless the card needs none; false means there is nothing more to
// do (done, or diagnosed). The refresh before a destroy has just read the card, so a card the
// state shows Active or Frozen is cancelled at once; any other (or a stale state, which the
// platform then refuses) is first waited for until it can be cancelled: a card still being
// issued (e.g. tainted after a timed-out create) cannot be cancelled yet.
func (r *cardResource) cancel(ctx, terraformCtx context.Context, cardID, stateStatus string, diags *diag.Diagnostics) bool {
	if slices.ContainsFunc(cancellable, func(s string) bool { return strings.EqualFold(s, stateStatus) }) {
		_, err := r.client.CancelCard(ctx, cardID)
		if err == nil || cardsapi.IsNotFound(err) {
			return true
		}
		if !cardsapi.IsRefused(err) {
			diags.AddError("Cannot cancel the card", fmt.Sprintf("Card %s: %s", cardID, err))
			return false
		}
	}
	details, err := r.client.WaitForCardStatus(ctx, cardID, cancellableOrFinal, nil)
	if cardsapi.IsNotFound(err) {
		if err = r.client.CheckReachable(ctx); err == nil {
			return false // already gone
		}
	}
	switch {
	case err != nil && interrupted(terraformCtx):
		diags.AddError("Card not cancelled: "+interruptedByRunNote,
			fmt.Sprintf("Card %s was not cancelled yet and stays in the state; destroy again to cancel it. (%s)", cardID, err))
		return false
	case err != nil:
		diags.AddError("Cannot cancel the card", fmt.Sprintf("Card %s: %s", cardID, err))
		return false
	case strings.EqualFold(details.CardStatus, cardsapi.CardStatusCancelled):
		return true // cancelled (perhaps by a retried or earlier CancelCard): the wait below confirms it
	case strings.EqualFold(details.CardStatus, cardsapi.CardStatusKYCRejected):
		diags.AddWarning("Card was never issued",
			fmt.Sprintf("Card %s was rejected by the KYC review, so there is nothing to cancel; it was removed from the state.", cardID))
		return false
	}

	_, err = r.client.CancelCard(ctx, cardID)
	if cardsapi.IsRefused(err) && r.cardIsIn(ctx, cardID, cardsapi.CardStatusCancelled) {
		err = nil // a retried CancelCard whose first attempt already took effect
	}
	if err != nil && !cardsapi.IsNotFound(err) {
		detail := fmt.Sprintf("Card %s: %s", cardID, err)
		if cardsapi.IsRefused(err) && strings.EqualFold(details.CardStatus, cardsapi.CardStatusAwaitingBinding) {
			detail += "\n\nThe card waits for its physical card, and the platform cancels only active or frozen cards. " +
				"Bind it (set binding, run `terraform untaint` if it is tainted, and apply), or settle it on the merchant " +
				"platform and then drop it with `terraform state rm`."
		}
		diags.AddError("Cannot cancel the card", detail)
		return false
	}
	return true
}

// cancellable are the statuses from which the platform cancels a card (API.md §6.1).
var cancellable = []string{cardsapi.CardStatusActive, cardsapi.CardStatusFrozen}

// cancellableOrFinal are the statuses in which a card can be cancelled, or needs no cancelling.
var cancellableOrFinal = []string{
	cardsapi.CardStatusActive, cardsapi.CardStatusFrozen, cardsapi.CardStatusAwaitingBinding,
	cardsapi.CardStatusCancelled, cardsapi.CardStatusKYCRejected,
}

func (r *cardResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	cardID := strings.TrimSpace(req.ID)
	if cardID == "" {
		resp.Diagnostics.AddError("Invalid import id", "Import a card by its card id: terraform import cards_card.NAME <card_id>.")
		return
	}
	if !checkCardImportable(ctx, r.client, cardID, &resp.Diagnostics) {
		return // not found, or cancelled: nothing to manage
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), cardID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("frozen"), false)...)
	// The API does not report a card's program: the card number's BIN names it when exactly one matches.
	if program, err := r.client.ProgramOfCard(ctx, cardID); err == nil && program != nil {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("program_id"), program.ProgramID)...)
	}
	// The first update after an import adopts the configured pin_version instead of rotating the PIN.
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKeyImported, []byte("true"))...)
}

// privateKeyImported marks a card imported and not yet updated.
const privateKeyImported = "imported"

// setFromDetails copies what state may hold of a card: never the number or CVV. It reports
// whether that changed anything, so that Read writes the state only then: writing the whole
// model reflects over it, 150 µs of CPU per card (BenchmarkCardStateWrite), which was the
// largest cost of our own code in a refresh after signing the request.
func (m *cardResourceModel) setFromDetails(d *cardsapi.CardDetails) (changed bool) {
	before := *m
	m.Status = types.StringValue(d.CardStatus)
	if cardsapi.IsKnownCardStatus(d.CardStatus) { // nothing is guessed from a status the provider does not know
		m.Frozen = types.BoolValue(strings.EqualFold(d.CardStatus, cardsapi.CardStatusFrozen))
	}
	m.CardLast4 = types.StringValue(d.Last4())
	m.ExpirationDate = types.StringValue(string(d.ExpirationDate))
	return !m.Status.Equal(before.Status) || !m.Frozen.Equal(before.Frozen) ||
		!m.CardLast4.Equal(before.CardLast4) || !m.ExpirationDate.Equal(before.ExpirationDate)
}

// applyCardErrorDetail explains an ApplyCard failure; an ambiguous one may have issued a card.
func applyCardErrorDetail(programID string, err error) string {
	if cardsapi.IsOutcomeUnknown(err) {
		return fmt.Sprintf("%s\n\nThe platform may have issued a card from program %q although no answer arrived. "+
			"Nothing was written to the state. Before applying again, check the merchant platform (or the sandbox's card list) "+
			"for a new card; if one exists, import it with `terraform import` instead of applying, or cancel it.", err, programID)
	}
	return fmt.Sprintf("Program %q: %s", programID, withTerraformNames(err, "ApplyCard"))
}
