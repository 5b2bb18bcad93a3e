package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/journal"
)

// cardTopUpCreateTimeout bounds the wait for a top-up to settle unless timeouts.create says otherwise.
const cardTopUpCreateTimeout = 10 * time.Minute

var (
	_ resource.Resource                = (*cardTopUpResource)(nil)
	_ resource.ResourceWithConfigure   = (*cardTopUpResource)(nil)
	_ resource.ResourceWithImportState = (*cardTopUpResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*cardTopUpResource)(nil)
)

// NewCardTopUpResource is the cards_card_topup resource.
func NewCardTopUpResource() resource.Resource { return &cardTopUpResource{} }

type cardTopUpResource struct {
	client     *cardsapi.Client
	journal    *journal.Journal
	topUpTasks *sync.Map
}

// cardTopUpResourceModel is the state of cards_card_topup. Inputs keep the configured text
// (amount "100" stays "100"); every computed amount is written with two places ("98.50").
type cardTopUpResourceModel struct {
	ID                     types.String   `tfsdk:"id"`
	CardID                 types.String   `tfsdk:"card_id"`
	Amount                 types.String   `tfsdk:"amount"`
	MaxFee                 types.String   `tfsdk:"max_fee"`
	EstimatedFee           types.String   `tfsdk:"estimated_fee"`
	EstimatedReceiveAmount types.String   `tfsdk:"estimated_receive_amount"`
	Fee                    types.String   `tfsdk:"fee"`
	ReceiveAmount          types.String   `tfsdk:"receive_amount"`
	SettlementAmount       types.String   `tfsdk:"settlement_amount"`
	Currency               types.String   `tfsdk:"currency"`
	Status                 types.String   `tfsdk:"status"`
	Remarks                types.String   `tfsdk:"remarks"`
	CompletedAt            types.String   `tfsdk:"completed_at"`
	Timeouts               timeouts.Value `tfsdk:"timeouts"`
}

func (r *cardTopUpResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_card_topup"
}

func (r *cardTopUpResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Loads money onto a card (`CardTopUp`) and waits until the platform says the top-up succeeded.\n\n" +
			"**Money cannot be taken back.** Destroying this resource only removes it from the Terraform state: the money " +
			"stays on the card. Changing `card_id` or `amount` (to a different amount) makes a **new** top-up, moving money " +
			"again; the earlier top-up stays on its card.\n\n" +
			"`terraform plan` shows what the top-up will cost (`estimated_fee`, `estimated_receive_amount`, from " +
			"`EstimateCardTopUpFee`) and fails before any money moves when the estimate exceeds `max_fee`. The final `fee` " +
			"and `receive_amount` come from the platform's `TopUpStatus` once the top-up has settled.\n\n" +
			"A top-up is never made twice: one whose answer was lost is looked up in the card's transactions and adopted " +
			"(or, when none appears within `timeouts.create`, reported as not made); one still pending when Terraform is " +
			"interrupted or the create timeout passes is saved as pending, not tainted. See the provider's *Failure handling*.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The top-up's task id assigned by the platform; import a top-up with it. `unconfirmed-…` " +
					"while the outcome of a `CardTopUp` whose answer was lost is still being decided.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"card_id": schema.StringAttribute{
				MarkdownDescription: "The card to load (`cards_card.<name>.id`). Changing it makes a **new** top-up onto the other card. " +
					"The platform tops up only active cards: a card that is cancelled (or rejected by its KYC review) fails the plan; " +
					"one that is otherwise not active (e.g. frozen) gets a warning in the plan: the top-up succeeds only if the card is " +
					"active when it is made (e.g. because the same apply unfreezes it); otherwise the platform refuses it and no money moves.",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.RequiresReplaceIf(replaceWhen(cardIDChanged),
						"Changing the card makes a new top-up; money already loaded stays on the old card.",
						"Changing the card makes a new top-up; money already loaded stays on the old card."),
				},
			},
			"amount": schema.StringAttribute{
				MarkdownDescription: "The amount to load, in the card's currency: a decimal string greater than 0 with at most 2 places, " +
					"such as `\"100\"` or `\"12.50\"` (validated at plan time). The merchant is charged this amount; the card " +
					"receives it minus the fee. Changing it to a different amount makes a **new** top-up (money moves again); " +
					"rewriting the same amount (`\"100\"` → `\"100.00\"`) changes nothing. An amount over the single-recharge limit of " +
					"the card's program fails before any money moves (at plan time when the card exists).",
				Required:   true,
				Validators: []validator.String{moneyValidator{positive: true}},
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.RequiresReplaceIf(replaceWhen(amountChanged),
						"Changing the amount makes a new top-up; the earlier one is not taken back.",
						"Changing the amount makes a new top-up; the earlier one is not taken back."),
				},
			},
			"max_fee": schema.StringAttribute{
				MarkdownDescription: "A guard: the highest fee you accept, a decimal string such as `\"2.50\"`. When the platform's fee " +
					"estimate exceeds it, the plan fails (or, if the estimate could only be made at apply time, the apply fails " +
					"before `CardTopUp`) and no money moves. Changing it later changes nothing on the platform.",
				Optional:   true,
				Validators: []validator.String{moneyValidator{}},
			},
			"estimated_fee": schema.StringAttribute{
				MarkdownDescription: "The fee the platform estimated when the top-up was planned (`EstimateCardTopUpFee`), e.g. `\"1.50\"`. " +
					"Known at plan time when `card_id` and `amount` are; otherwise estimated at apply. Kept afterwards; " +
					"null after an import.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"estimated_receive_amount": schema.StringAttribute{
				MarkdownDescription: "What the card was estimated to receive (amount minus the estimated fee), e.g. `\"98.50\"`. " +
					"Same timing as `estimated_fee`.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"fee": schema.StringAttribute{
				MarkdownDescription: "The fee the platform charged, from `TopUpStatus` once the top-up has settled. It may differ from " +
					"`estimated_fee`.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"receive_amount": schema.StringAttribute{
				MarkdownDescription: "What the card received: `amount` minus `fee`, from `TopUpStatus`.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"settlement_amount": schema.StringAttribute{
				MarkdownDescription: "The settlement amount the platform reports for the top-up (`settlemetAmount` of `TopUpStatus`).",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"currency": schema.StringAttribute{
				MarkdownDescription: "The currency of the amounts, from `TopUpStatus`, e.g. `USD`.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "The top-up's status on the platform: `Success` once it settled; `Pending` while the platform " +
					"still processes it; `Failed` when it failed (the next plan makes it again); `Unconfirmed` while the outcome of a " +
					"lost answer is being decided.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"remarks": schema.StringAttribute{
				MarkdownDescription: "The platform's remarks on the top-up, e.g. the reason a top-up failed.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"completed_at": schema.StringAttribute{
				MarkdownDescription: "The top-up's date as `TopUpStatus` reports it (RFC 3339, UTC), once the top-up has settled; " +
					"null while it is pending.",
				Computed:      true,
				PlanModifiers: keep,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true}),
		},
	}
}

// The one replacement rule of a top-up: a different card (ids compared without case) or a
// different amount (not merely written differently, "100" vs "100.00") makes a new top-up.
func cardIDChanged(state, plan types.String) bool {
	return plan.IsUnknown() || !strings.EqualFold(state.ValueString(), plan.ValueString())
}

func amountChanged(state, plan types.String) bool {
	return plan.IsUnknown() || !sameAmount(state.ValueString(), plan.ValueString())
}

// topUpReplaced reports whether the plan replaces the top-up (a new one moves money again).
func topUpReplaced(state, plan cardTopUpResourceModel) bool {
	return cardIDChanged(state.CardID, plan.CardID) || amountChanged(state.Amount, plan.Amount)
}

// replaceWhen is a RequiresReplaceIf function that applies a rule above to its attribute.
func replaceWhen(changed func(state, plan types.String) bool) stringplanmodifier.RequiresReplaceIfFunc {
	return func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = changed(req.StateValue, req.PlanValue)
	}
}

func (r *cardTopUpResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data := resourceDataFrom(req.ProviderData, &resp.Diagnostics)
	r.client, r.journal, r.topUpTasks = data.client, data.journal, data.topUpTasks
}

// ModifyPlan estimates the fee of a new top-up so the plan shows it, and stops the plan when
// the estimate exceeds max_fee. It also warns, before anything happens, that destroying or
// replacing a top-up does not take money back.
func (r *cardTopUpResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		if !req.State.Raw.IsNull() {
			var state cardTopUpResourceModel
			resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
			resp.Diagnostics.AddWarning("Destroying a top-up does not take money back",
				fmt.Sprintf("Top-up %s of %s onto card %s will only be removed from the Terraform state; the money stays on the card.",
					state.ID.ValueString(), state.Amount.ValueString(), state.CardID.ValueString()))
		}
		return
	}
	if !req.State.Raw.IsNull() {
		var state, plan cardTopUpResourceModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
		r.journal.Confirm(state.ID.ValueString()) // saved by Terraform: never adopted again, refresh or not
		// resp.RequiresReplace is not filled in yet when ModifyPlan runs: decide as the plan modifiers do.
		if strings.EqualFold(state.Status.ValueString(), cardsapi.StatusFailed) && !topUpReplaced(state, plan) {
			// A top-up that failed moved no money (the platform refunds it): make it again.
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("amount"))
			resp.Diagnostics.AddWarning("This plan makes the failed top-up again",
				fmt.Sprintf("Top-up %s of %s onto card %s failed on the platform (%s), so no money moved. Apply makes a new top-up.",
					state.ID.ValueString(), state.Amount.ValueString(), state.CardID.ValueString(), state.Remarks.ValueString()))
			return
		}
		if topUpReplaced(state, plan) {
			resp.Diagnostics.AddWarning("This plan makes a new top-up",
				fmt.Sprintf("Top-up %s (%s onto card %s) cannot be changed or taken back: it is forgotten, its money stays on the card, "+
					"and a new top-up of %s onto card %s is made, moving money again.",
					state.ID.ValueString(), state.Amount.ValueString(), state.CardID.ValueString(),
					valueOrUnknown(plan.Amount), valueOrUnknown(plan.CardID)))
		}
		return
	}
	if r.client == nil {
		return // provider not configured yet
	}

	var plan cardTopUpResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.CardID.IsUnknown() || plan.Amount.IsUnknown() {
		return // the estimate stays unknown and is made at apply time
	}
	amount, err := parseMoney(plan.Amount.ValueString())
	if err != nil || !amount.IsPositive() {
		return // the amount's validator reports it
	}
	if estimate := r.checkBeforeMoneyMoves(ctx, plan.CardID.ValueString(), amount, plan.MaxFee, &resp.Diagnostics); estimate != nil {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("estimated_fee"), moneyValue(estimate.Fee))...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("estimated_receive_amount"), moneyValue(estimate.ReceiveAmount))...)
	}
}

// checkBeforeMoneyMoves runs every check a top-up must pass before money moves — the card can
// be topped up, the fee estimate is within max_fee, the amount within the program's
// single-recharge limit — adding errors to diags. It returns the estimate (nil when the card
// could not be judged or estimated).
func (r *cardTopUpResource) checkBeforeMoneyMoves(ctx context.Context, cardID string, amount decimal.Decimal, maxFee types.String,
	diags *diag.Diagnostics) *cardsapi.TopUpFeeEstimate {
	if !checkTopUpCard(ctx, r.client, cardID, diags) {
		return nil // a cancelled card: nothing is estimated, nothing moves
	}
	estimate, err := r.client.EstimateTopUpFee(ctx, cardID, amount)
	if err != nil {
		estimateError(diags, cardID, amount, err)
		return nil
	}
	if msg := maxFeeExceeded(maxFee, estimate.Fee, cardID, amount); msg != "" {
		diags.AddAttributeError(path.Root("max_fee"), "Estimated fee exceeds max_fee", msg)
	}
	r.checkSingleRechargeLimit(ctx, cardID, amount, diags)
	return estimate
}

// checkSingleRechargeLimit refuses, before any money moves, an amount over the card's program's
// single-recharge limit, when the program can be told from the card (its BIN). Otherwise the
// platform decides when the top-up is made.
func (r *cardTopUpResource) checkSingleRechargeLimit(ctx context.Context, cardID string, amount decimal.Decimal, diags *diag.Diagnostics) {
	program, err := r.client.ProgramOfCard(ctx, cardID)
	if err != nil || program == nil || !program.SingleRechargeLimit.IsPositive() || !amount.GreaterThan(program.SingleRechargeLimit) {
		return
	}
	diags.AddAttributeError(path.Root("amount"), "Amount over the single-recharge limit",
		fmt.Sprintf("Topping up card %s with %s exceeds the single-recharge limit %s of its program %q (%s). No money was moved. "+
			"Split the amount into several top-ups.", cardID, formatMoney(amount), formatMoney(program.SingleRechargeLimit),
			program.Name, program.ProgramID))
}

func valueOrUnknown(v types.String) string {
	if v.IsUnknown() {
		return "(known after apply)"
	}
	return v.ValueString()
}

// maxFeeExceeded returns the reason to stop when fee exceeds max_fee, or "".
func maxFeeExceeded(maxFee types.String, fee decimal.Decimal, cardID string, amount decimal.Decimal) string {
	if maxFee.IsNull() || maxFee.IsUnknown() {
		return ""
	}
	limit, err := parseMoney(maxFee.ValueString())
	if err != nil || !fee.GreaterThan(limit) {
		return "" // an invalid max_fee is reported by its validator
	}
	return fmt.Sprintf("The platform estimates a fee of %s for topping up card %s with %s, more than max_fee %s. "+
		"No money was moved. Raise max_fee or change the amount.",
		formatMoney(fee), cardID, formatMoney(amount), formatMoney(limit))
}

// estimateError explains a failed EstimateCardTopUpFee; no money has moved.
func estimateError(diags *diag.Diagnostics, cardID string, amount decimal.Decimal, err error) {
	switch {
	case cardsapi.IsNotFound(err):
		diags.AddAttributeError(pathCardID, "Card not found", "card_id: "+cardLookupError(cardID, err)+" No money was moved.")
	case cardsapi.IsRefused(err):
		diags.AddAttributeError(path.Root("amount"), "The platform refused to estimate the top-up",
			fmt.Sprintf("Topping up card %s with %s: %s. No money was moved.", cardID, formatMoney(amount), refusalReason(err)))
	default:
		diags.AddError("Cannot estimate the top-up fee",
			fmt.Sprintf("Topping up card %s with %s: %s. No money was moved.", cardID, formatMoney(amount), err))
	}
}

// refusalReason is the platform's remarks, or the whole error when it gave none.
func refusalReason(err error) string {
	if remarks := cardsapi.RemarksOf(err); remarks != "" {
		return remarks
	}
	return err.Error()
}

func (r *cardTopUpResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan cardTopUpResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, cardTopUpCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	terraformCtx := ctx // ends when Terraform is interrupted; ctx also ends at the create timeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cardID := plan.CardID.ValueString()
	amount, err := parseMoney(plan.Amount.ValueString())
	if err != nil || !amount.IsPositive() {
		resp.Diagnostics.AddAttributeError(path.Root("amount"), "Invalid amount", fmt.Sprintf("%q %s.",
			plan.Amount.ValueString(), moneyValidator{positive: true}.Description(ctx)))
		return
	}

	// The checks run again right before the money moves when the plan could not run them
	// (card_id or amount were unknown) and whenever max_fee guards the top-up.
	checkedAtPlan := !plan.EstimatedFee.IsUnknown()
	if !checkedAtPlan || (!plan.MaxFee.IsNull() && !plan.MaxFee.IsUnknown()) {
		estimate := r.checkBeforeMoneyMoves(ctx, cardID, amount, plan.MaxFee, &resp.Diagnostics)
		if resp.Diagnostics.HasError() || estimate == nil {
			return
		}
		if plan.EstimatedFee.IsUnknown() {
			plan.EstimatedFee = moneyValue(estimate.Fee)
			plan.EstimatedReceiveAmount = moneyValue(estimate.ReceiveAmount)
		}
	}

	taskID, remarks, stop := r.sendTopUp(ctx, terraformCtx, resp, &plan, amount, timeout)
	if stop {
		return
	}
	r.own(taskID)

	// Record the top-up at once: whatever happens while waiting, the state knows it exists.
	state := plan
	state.ID = types.StringValue(taskID)
	state.Status = types.StringValue(cardsapi.TopUpStatusPending) // accepted, not yet settled
	state.Remarks = stringOrNull(remarks)
	state.Fee, state.ReceiveAmount, state.SettlementAmount = types.StringNull(), types.StringNull(), types.StringNull()
	state.Currency, state.CompletedAt = types.StringNull(), types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	tflog.Info(ctx, "card top-up accepted", map[string]any{"task_id": taskID, "card_id": cardID, "amount": formatMoney(amount)})

	status, err := r.client.WaitForTopUp(ctx, taskID)
	if err != nil {
		r.failCreate(ctx, resp, &state, amount, err)
		return
	}
	state.setFromStatus(status, false)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	if fee, err := decimal.NewFromString(state.Fee.ValueString()); err == nil {
		if limit, err := parseMoney(state.MaxFee.ValueString()); err == nil && !state.MaxFee.IsNull() && fee.GreaterThan(limit) {
			resp.Diagnostics.AddWarning("The final fee exceeds max_fee",
				fmt.Sprintf("Top-up %s was estimated within max_fee %s, but the platform charged a fee of %s.",
					taskID, formatMoney(limit), formatMoney(fee)))
		}
	}
}

// sendTopUp makes the top-up, or finds the one an earlier attempt made: it returns the task
// to follow, or stop (with diagnostics, and a record in state when the outcome is unknown).
func (r *cardTopUpResource) sendTopUp(ctx, terraformCtx context.Context, resp *resource.CreateResponse,
	plan *cardTopUpResourceModel, amount decimal.Decimal, window time.Duration) (taskID, remarks string, stop bool) {
	cardID := plan.CardID.ValueString()
	if taskID, stop = r.recoverJournaledTopUp(ctx, cardID, amount, window, &resp.Diagnostics); taskID != "" || stop {
		return taskID, "", stop
	}
	attempt, err := r.journal.Begin(journal.KindTopUp, topUpFingerprint(cardID, amount), cardID, formatMoney(amount))
	if err != nil {
		resp.Diagnostics.AddError("The top-up was not made", fmt.Sprintf("Nothing was sent: %s. %s", err, journalAdvice))
		return "", "", true
	}
	sendCtx, cancel := sendContext(ctx)
	defer cancel()
	task, err := r.client.TopUp(sendCtx, cardID, amount)
	if err == nil && strings.TrimSpace(string(task.TaskID)) == "" {
		err = fmt.Errorf("CardTopUp was accepted (remarks %q) but returned no task id", task.Remarks)
	} else if err != nil && !cardsapi.IsOutcomeUnknown(err) {
		attempt.Drop()
		resp.Diagnostics.AddError("The top-up was not made", topUpRequestErrorDetail(cardID, amount, err))
		return "", "", true
	}
	if err != nil {
		taskID = r.reconcileLostAnswer(ctx, terraformCtx, resp, plan, attempt, amount, window, err)
		return taskID, "", taskID == ""
	}
	if err := attempt.Answered(string(task.TaskID)); err != nil {
		tflog.Warn(ctx, "could not journal the accepted top-up", map[string]any{"task_id": task.TaskID, "error": err.Error()})
	}
	return string(task.TaskID), task.Remarks, false
}

// failCreate reports a top-up that was accepted but did not succeed. One the platform says
// failed moved no money: it stays in state, tainted, and the next apply makes it again. One
// whose wait ended otherwise (interrupted, timed out, unreadable) may still complete: it is
// saved as pending, without an error, so Terraform does not taint (and replace) it; the next
// refresh reads its outcome.
func (r *cardTopUpResource) failCreate(ctx context.Context, resp *resource.CreateResponse, state *cardTopUpResourceModel, amount decimal.Decimal, err error) {
	taskID, cardID := state.ID.ValueString(), state.CardID.ValueString()
	if cardsapi.IsRefused(err) {
		// The top-up settled as failed: record its final status for the state (even if the
		// create timeout has just run out).
		readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if status, readErr := r.client.TopUpStatus(readCtx, taskID); readErr == nil {
			state.setFromStatus(status, false)
		} else {
			state.Status = types.StringValue(cardsapi.StatusFailed)
			state.Remarks = stringOrNull(cardsapi.RemarksOf(err))
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
		resp.Diagnostics.AddError("The top-up failed",
			fmt.Sprintf("The platform reports that top-up %s of %s onto card %s failed: %s\n\n"+
				"The top-up stays in the Terraform state, tainted: the next apply replaces it with a new top-up.",
				taskID, formatMoney(amount), cardID, refusalReason(err)))
		return
	}
	var timeoutErr *cardsapi.WaitTimeoutError
	what := "could not be followed to its end: " + err.Error()
	switch {
	case errors.Is(err, context.Canceled):
		what = "was not followed to its end because " + interruptedByRunNote
	case errors.As(err, &timeoutErr):
		what = "did not settle within the create timeout: " + err.Error()
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.AddWarning("Top-up saved while still pending",
		fmt.Sprintf("Top-up %s of %s onto card %s was accepted by the platform but %s.\n\n"+
			"It is saved in the state as pending, not tainted, so it is never made twice: the next refresh reads its outcome. "+
			"If it fails, the next plan makes it again (a failed top-up moves no money).",
			taskID, formatMoney(amount), cardID, what))
}

// topUpRequestErrorDetail explains a CardTopUp that did not return a task.
func topUpRequestErrorDetail(cardID string, amount decimal.Decimal, err error) string {
	switch {
	case cardsapi.IsNotFound(err):
		return cardLookupError(cardID, err) + " No money was moved."
	case cardsapi.IsRefused(err):
		return fmt.Sprintf("The platform refused the top-up of %s onto card %s: %s. No money was moved.",
			formatMoney(amount), cardID, refusalReason(err))
	}
	return fmt.Sprintf("Top-up of %s onto card %s: %s", formatMoney(amount), cardID, err)
}

func (r *cardTopUpResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state cardTopUpResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	taskID := state.ID.ValueString()
	if isUnconfirmedID(taskID) {
		r.readUnconfirmedTopUp(ctx, req, resp, &state)
		return
	}
	r.own(taskID)
	status, err := r.client.TopUpStatus(ctx, taskID)
	if cardsapi.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Top-up not found",
			fmt.Sprintf("The platform no longer knows top-up %s (%s onto card %s), so it was removed from the Terraform state. "+
				"A top-up does not disappear by itself: check that base_url and customer_token point at the right merchant. "+
				"The next apply makes a NEW top-up, moving money again, unless you remove it from the configuration.",
				taskID, state.Amount.ValueString(), state.CardID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		// A top-up's state only reports what happened; a failed read must not block the rest
		// of the run (say, cancelling cards), so the last known state stays.
		resp.Diagnostics.AddWarning("Top-up not refreshed",
			fmt.Sprintf("Top-up %s could not be read (%s); its last known state is kept.", taskID, err))
		return
	}
	state.setFromStatus(status, true)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	r.journal.Confirm(taskID)
	if !cardsapi.IsKnownTopUpStatus(string(status.Status)) {
		resp.Diagnostics.AddWarning("Top-up status not understood",
			fmt.Sprintf("The platform reports top-up %s as %q, which the provider does not know; it is shown as it is. If it means "+
				"Success, Failed or Pending, map it in the provider block: topup_status_map = { %q = \"<the status it means>\" }.",
				taskID, status.Status, status.Status))
	}
}

// Update only records what changes nothing on the platform: max_fee, timeouts, or the
// writing of the same amount or card id. Everything else replaces the top-up.
func (r *cardTopUpResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan cardTopUpResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *cardTopUpResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state cardTopUpResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.AddWarning("Top-up forgotten, money not taken back",
		fmt.Sprintf("Top-up %s of %s onto card %s was removed from the Terraform state only. Money cannot be taken back: "+
			"it stays on the card.", state.ID.ValueString(), state.Amount.ValueString(), state.CardID.ValueString()))
}

func (r *cardTopUpResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if strings.TrimSpace(req.ID) == "" {
		resp.Diagnostics.AddError("Invalid import id",
			"Import a top-up by its task id: terraform import cards_card_topup.NAME <task_id>.")
		return
	}
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

// setFromStatus copies a TopUpStatus into the model. adoptInputs (Read) also takes card_id and
// amount from the platform when state has none (after an import) or a different amount.
func (m *cardTopUpResourceModel) setFromStatus(s *cardsapi.TopUpStatus, adoptInputs bool) {
	if s.TaskID != "" && m.ID.IsNull() {
		m.ID = types.StringValue(string(s.TaskID))
	}
	if adoptInputs {
		if m.CardID.IsNull() && s.CardID != "" {
			m.CardID = types.StringValue(string(s.CardID))
		}
		if m.Amount.IsNull() || !sameAmount(m.Amount.ValueString(), s.Amount.String()) {
			m.Amount = moneyValue(s.Amount)
		}
	}
	m.Status = types.StringValue(strings.TrimSpace(string(s.Status)))
	m.Remarks = stringOrNull(s.Remarks)
	m.Currency = stringOrNull(s.Currency)
	m.Fee = moneyValue(s.Fee)
	m.ReceiveAmount = moneyValue(s.Amount.Sub(s.Fee))
	m.SettlementAmount = moneyValue(s.SettlementAmount)
	m.CompletedAt = types.StringNull()
	settled := strings.EqualFold(string(s.Status), cardsapi.StatusSuccess) || strings.EqualFold(string(s.Status), cardsapi.StatusFailed)
	if settled && s.Date > 0 {
		m.CompletedAt = types.StringValue(time.Unix(int64(s.Date), 0).UTC().Format(time.RFC3339))
	}
}

// stringOrNull is null for an empty string.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
