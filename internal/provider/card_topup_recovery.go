package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/journal"
)

// A CardTopUp whose answer was lost is never sent again blindly. The platform's own record
// decides: a top-up appears in the card's transactions once it settles, so a recharge of the
// amount since the attempt that no other resource owns is this top-up, and none within the
// create timeout after the attempt means it did not happen (docs/index.md, "Failure handling").

// topUpFingerprint identifies what a CardTopUp asks for.
func topUpFingerprint(cardID string, amount decimal.Decimal) string {
	return journal.Fingerprint(strings.ToLower(cardID), amount.StringFixed(2))
}

// own records that a task belongs to a resource of this process.
func (r *cardTopUpResource) own(taskID string) { r.topUpTasks.Store(strings.ToLower(taskID), true) }

// taken reports whether a task belongs to another resource of this process.
func (r *cardTopUpResource) taken(taskID string) bool {
	_, ok := r.topUpTasks.Load(strings.ToLower(taskID))
	return ok
}

// recoverJournaledTopUp settles what an earlier, killed run left in the journal for the same
// card and amount: an answered top-up is adopted; one sent without an answer is looked up in
// the card's transactions. It returns the task id to adopt (or ""), and stop when the outcome
// of an earlier attempt cannot be decided (with an error).
func (r *cardTopUpResource) recoverJournaledTopUp(ctx context.Context, cardID string, amount decimal.Decimal,
	window time.Duration, diags *diag.Diagnostics) (taskID string, stop bool) {
	fingerprint := topUpFingerprint(cardID, amount)
	for _, e := range r.journal.Adoptable(journal.KindTopUp, fingerprint) {
		if r.taken(e.ID) || !r.journal.Claim(e.Attempt) {
			continue
		}
		if _, err := r.client.TopUpStatus(ctx, e.ID); err != nil {
			continue
		}
		diags.AddWarning("Top-up adopted from an earlier run",
			fmt.Sprintf("Top-up %s of %s onto card %s was accepted at %s for an earlier run in this working directory that was "+
				"stopped before Terraform could save it. It is adopted: no money moves again.", e.ID, e.Amount, cardID,
				e.SentAt.Format(time.RFC3339)))
		return e.ID, false
	}
	for _, e := range r.journal.Unanswered(journal.KindTopUp, fingerprint) {
		if !r.journal.Claim(e.Attempt) {
			continue
		}
		found, err := r.awaitRecord(ctx, cardID, amount, e.SentAt, window)
		switch {
		case found != nil:
			r.journal.Resolve(e.Attempt)
			diags.AddWarning("Top-up adopted from an earlier run",
				fmt.Sprintf("An earlier run in this working directory sent a top-up of %s onto card %s at %s and was stopped "+
					"before the answer arrived. The card's transactions show it as task %s: it is adopted, no money moves again.",
					e.Amount, cardID, e.SentAt.Format(time.RFC3339), found.TaskID))
			return string(found.TaskID), false
		case err == nil: // no record within the window: it did not happen
			r.journal.Resolve(e.Attempt)
		default:
			diags.AddError("An earlier top-up may have gone through",
				fmt.Sprintf("An earlier run in this working directory sent a top-up of %s onto card %s at %s and was stopped before "+
					"the answer arrived; whether it happened cannot be decided yet (%s). No money was moved now. Apply again after "+
					"%s, when the card's transactions decide it; or, if you find it (data source `cards_card_transactions`), import "+
					"its task id; or, to pay again regardless, delete %s.", e.Amount, cardID, e.SentAt.Format(time.RFC3339), err,
					e.SentAt.Add(window).Format(time.RFC3339), r.journal.PathOf(e.Attempt)))
			return "", true
		}
	}
	return "", false
}

// awaitRecord looks for the platform's record of a top-up sent at sentAt until the create
// window after it has passed (ctx, Terraform's, still ends it on an interrupt).
func (r *cardTopUpResource) awaitRecord(ctx context.Context, cardID string, amount decimal.Decimal, sentAt time.Time,
	window time.Duration) (*cardsapi.Transaction, error) {
	until := sentAt.Add(window)
	// A minute beyond the window (or now, for an attempt long past it) to read the record once more.
	ctx, cancel := context.WithDeadline(ctx, latest(until, time.Now()).Add(time.Minute))
	defer cancel()
	return r.client.AwaitTopUpRecord(ctx, cardID, amount, sentAt, until, r.taken)
}

// reconcileLostAnswer decides a CardTopUp whose answer never arrived from the card's
// transactions. It returns the task id when the top-up happened; otherwise it reports (an
// error when it did not happen, or a record kept in state when it cannot tell yet) and stops.
func (r *cardTopUpResource) reconcileLostAnswer(ctx, terraformCtx context.Context, resp *resource.CreateResponse,
	plan *cardTopUpResourceModel, attempt *journal.Attempt, amount decimal.Decimal, window time.Duration, cause error) string {
	cardID := plan.CardID.ValueString()
	sentAt := attempt.Entry().SentAt
	if sentAt.IsZero() {
		sentAt = time.Now()
	}
	found, err := r.awaitRecord(terraformCtx, cardID, amount, sentAt, window)
	switch {
	case found != nil:
		if err := attempt.Answered(string(found.TaskID)); err != nil {
			resp.Diagnostics.AddWarning("Journal not updated", err.Error())
		}
		resp.Diagnostics.AddWarning("Top-up answer lost, top-up found",
			fmt.Sprintf("CardTopUp of %s onto card %s got no answer (%s), so it was not sent again. The card's transactions "+
				"show it as task %s, which this resource now follows.", formatMoney(amount), cardID, cause, found.TaskID))
		return string(found.TaskID)
	case err == nil:
		attempt.Drop()
		resp.Diagnostics.AddError("The top-up did not happen",
			fmt.Sprintf("CardTopUp of %s onto card %s got no answer (%s), so it was not sent again. Within the create timeout "+
				"(%s) after it was sent, no recharge of that amount appeared in the card's transactions: the platform did not make "+
				"it. No money was moved and nothing was recorded; apply again to top up.", formatMoney(amount), cardID, cause, window))
		return ""
	}
	id, record := unconfirmedRecord(attempt)
	plan.ID = types.StringValue(id)
	plan.Status = types.StringValue(statusUnconfirmed)
	plan.Fee, plan.ReceiveAmount, plan.SettlementAmount = types.StringNull(), types.StringNull(), types.StringNull()
	plan.Currency, plan.CompletedAt, plan.Remarks = types.StringNull(), types.StringNull(), types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKeyAttempt, record)...)
	attempt.Drop() // the state is the record from here on
	reason := err.Error()
	if interrupted(terraformCtx) {
		reason = interruptedByRunNote
	}
	resp.Diagnostics.AddWarning("Top-up outcome not known yet",
		fmt.Sprintf("CardTopUp of %s onto card %s got no answer (%s), and whether it happened could not be decided (%s). It was "+
			"not sent again. The state records the attempt (%s, sent %s); the next plan looks for it in the card's transactions "+
			"and adopts it, or, once the create timeout after the attempt has passed without it, plans a new top-up.",
			formatMoney(amount), cardID, cause, reason, id, sentAt.UTC().Format(time.RFC3339)))
	return ""
}

// readUnconfirmedTopUp settles, at refresh, a top-up recorded without an answer: adopted when
// the card's transactions show it, removed (a new one is planned) when the create timeout
// after the attempt passed without it, and an error while it cannot be told.
func (r *cardTopUpResource) readUnconfirmedTopUp(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse,
	state *cardTopUpResourceModel) {
	record := readUnconfirmed(ctx, req.Private)
	window, _ := state.Timeouts.Create(ctx, cardTopUpCreateTimeout)
	amount, _ := parseMoney(state.Amount.ValueString())
	cardID := state.CardID.ValueString()
	found, err := r.client.FindTopUps(ctx, cardID, amount, record.SentAt)
	if err != nil {
		resp.Diagnostics.AddError("Cannot look up an unconfirmed top-up", fmt.Sprintf("Top-up of %s onto card %s sent at %s: %s",
			formatMoney(amount), cardID, record.SentAt.Format(time.RFC3339), err))
		return
	}
	candidates := cardsapi.Unowned(found, r.taken)
	ways := fmt.Sprintf("If you find the top-up (data source `cards_card_transactions`), `terraform state rm <address>` and "+
		"`terraform import <address> <task id>`; to pay again regardless, `terraform state rm <address>` and apply. Or plan "+
		"again after %s, when the card's transactions decide it.", record.SentAt.Add(window).Format(time.RFC3339))
	switch {
	case len(candidates) == 1:
		status, err := r.client.TopUpStatus(ctx, string(candidates[0].TaskID))
		if err != nil {
			resp.Diagnostics.AddError("Cannot read the top-up", err.Error())
			return
		}
		r.own(string(status.TaskID))
		state.ID = types.StringValue(string(candidates[0].TaskID))
		state.setFromStatus(status, false)
		resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKeyAttempt, nil)...)
		resp.Diagnostics.AddWarning("Unconfirmed top-up found",
			fmt.Sprintf("The top-up of %s onto card %s whose answer was lost is task %s on the platform; it is adopted, no money "+
				"moves again.", formatMoney(amount), cardID, candidates[0].TaskID))
	case len(candidates) > 1:
		resp.Diagnostics.AddError("Cannot tell which top-up is this one",
			fmt.Sprintf("The card's transactions show %d recharges of %s since %s that no resource owns. %s",
				len(candidates), formatMoney(amount), record.SentAt.Format(time.RFC3339), ways))
	case time.Since(record.SentAt) > window:
		resp.State.RemoveResource(ctx)
		resp.Diagnostics.AddWarning("Unconfirmed top-up did not happen",
			fmt.Sprintf("No recharge of %s onto card %s appeared in the card's transactions within the create timeout (%s) after "+
				"the attempt at %s: the platform did not make it. It was removed from the state; the next apply tops up again.",
				formatMoney(amount), cardID, window, record.SentAt.Format(time.RFC3339)))
	default:
		resp.Diagnostics.AddError("Top-up outcome not known yet",
			fmt.Sprintf("A top-up of %s onto card %s was sent at %s and its answer was lost; the card's transactions do not show "+
				"it yet. No money moves until this is decided. %s", formatMoney(amount), cardID,
				record.SentAt.Format(time.RFC3339), ways))
	}
}

// latest returns the later of two times.
func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
