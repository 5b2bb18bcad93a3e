package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/journal"
)

// How a card or top-up whose outcome is not known yet is kept in state (docs/index.md,
// "Failure handling"): its id is unconfirmedIDPrefix plus the attempt, its status
// statusUnconfirmed, and the private state holds when and what was sent.
const (
	unconfirmedIDPrefix  = "unconfirmed-"
	statusUnconfirmed    = "Unconfirmed"
	privateKeyAttempt    = "attempt"
	interruptedByRunNote = "Terraform was interrupted"
)

// unconfirmedAttempt is the private-state record of a request whose answer never arrived.
type unconfirmedAttempt struct {
	Attempt string    `json:"attempt"`
	SentAt  time.Time `json:"sent_at"`
}

func isUnconfirmedID(id string) bool { return strings.HasPrefix(id, unconfirmedIDPrefix) }

// unconfirmedRecord turns a journal attempt into the id and private record kept in state.
func unconfirmedRecord(a *journal.Attempt) (string, []byte) {
	e := a.Entry()
	if e.Attempt == "" { // no journal: the time alone names the attempt
		e.SentAt = time.Now().UTC()
		e.Attempt = fmt.Sprintf("%d", e.SentAt.UnixNano())
	}
	record, _ := json.Marshal(unconfirmedAttempt{Attempt: e.Attempt, SentAt: e.SentAt})
	return unconfirmedIDPrefix + e.Attempt, record
}

// privateGetter is the part of the framework's private state that reads a key.
type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// readUnconfirmed reads the private record of an unconfirmed attempt (zero when absent).
func readUnconfirmed(ctx context.Context, private privateGetter) unconfirmedAttempt {
	var record unconfirmedAttempt
	if private == nil {
		return record
	}
	raw, _ := private.GetKey(ctx, privateKeyAttempt)
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &record)
	}
	return record
}

// interrupted reports whether Terraform stopped the operation (Ctrl-C, a cancelled CI job):
// its own context ended, not the provider's timeout.
func interrupted(terraformCtx context.Context) bool {
	return errors.Is(terraformCtx.Err(), context.Canceled)
}

// sendContext is the context of a request that issues a card or moves money: an interrupt
// (or the end of a timeout) while it is on the wire would only turn its answer into an unknown
// outcome, so it is let finish, bounded by the client's floor for such requests.
func sendContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cardsapi.MinIssuingRequestTimeout)
}

// cardFingerprint identifies what an ApplyCard asks for: the program and the KYC sent with it.
func cardFingerprint(programID string, kyc *cardsapi.KYC) string {
	kycJSON := ""
	if kyc != nil {
		b, _ := json.Marshal(kyc)
		kycJSON = string(b)
	}
	return journal.Fingerprint(strings.ToLower(programID), kycJSON)
}

// cardAttemptsInFlight names ApplyCard requests an earlier, killed run sent for the same
// program and KYC and never heard back from: a card may exist that no state holds. Until the
// user decides, no new card is applied for.
func cardAttemptsInFlight(j *journal.Journal, fingerprint, programID string) string {
	entries := j.Unanswered(journal.KindCard, fingerprint)
	if len(entries) == 0 {
		return ""
	}
	var files []string
	for _, e := range entries {
		files = append(files, fmt.Sprintf("%s (sent %s)", j.PathOf(e.Attempt), e.SentAt.Format(time.RFC3339)))
	}
	return fmt.Sprintf("An earlier run in this working directory was stopped while it applied for a card of program %q with "+
		"the same KYC, before the platform's answer arrived, so a card may have been issued that no Terraform state holds. "+
		"Look on the merchant platform for a card of this program issued at that time. If there is one, import it into this "+
		"resource (`terraform import <address> <card id>`, or an import block). Then, or to accept a new card, delete the "+
		"journal entry: %s.", programID, strings.Join(files, ", "))
}

// adoptJournaledCard takes over a card that an earlier, killed run was issued for the same
// program and KYC, when it is still usable. It returns "" when there is none.
func (r *cardResource) adoptJournaledCard(ctx context.Context, fingerprint string, diags *diag.Diagnostics) string {
	for _, e := range r.journal.Adoptable(journal.KindCard, fingerprint) {
		if !r.journal.Claim(e.Attempt) {
			continue
		}
		details, err := r.client.CardDetails(ctx, e.ID)
		if err != nil || containsStatus([]string{cardsapi.CardStatusCancelled, cardsapi.CardStatusKYCRejected}, details.CardStatus) {
			if err == nil || cardsapi.IsNotFound(err) {
				r.journal.Resolve(e.Attempt) // gone or unusable: never a candidate again
			}
			continue
		}
		diags.AddWarning("Card adopted from an earlier run",
			fmt.Sprintf("Card %s was issued from program %q at %s by an earlier run in this working directory that was "+
				"stopped before Terraform could save it. It is adopted instead of applying for another card.",
				e.ID, e.Subject, e.SentAt.Format(time.RFC3339)))
		return e.ID
	}
	return ""
}

// recordUnconfirmedCard keeps, in state, an ApplyCard whose answer never arrived: the next
// plan stops on it until the user decides, so that no second card is issued silently.
func (r *cardResource) recordUnconfirmedCard(ctx context.Context, state stateSetter, private privateSetter,
	plan *cardResourceModel, attempt *journal.Attempt, cause error, diags *diag.Diagnostics) {
	id, record := unconfirmedRecord(attempt)
	plan.ID = types.StringValue(id)
	plan.Status = types.StringValue(statusUnconfirmed)
	plan.CardLast4 = types.StringValue("")
	plan.ExpirationDate = types.StringValue("")
	diags.Append(state.Set(ctx, plan)...)
	diags.Append(private.SetKey(ctx, privateKeyAttempt, record)...)
	attempt.Drop() // the state is the record from here on
	diags.AddError("Card application outcome unknown",
		fmt.Sprintf("%s\n\nThe platform may have issued a card from program %q although its answer never arrived. The provider "+
			"did not apply again. This resource now holds a placeholder (%s) and the next plan stops on it. %s",
			cause, plan.ProgramID.ValueString(), id, unconfirmedCardWaysOut))
}

// unconfirmedCardWaysOut is the advice for a card whose ApplyCard answer was lost.
const unconfirmedCardWaysOut = "The Cards API cannot list cards, so the provider cannot find it by itself. Look on the merchant " +
	"platform for a card of this program issued at that time. If there is one: `terraform state rm <address>`, then " +
	"`terraform import <address> <card id>`. If there is none, or you accept a new card: `terraform state rm <address>` " +
	"and apply again."

// stateSetter and privateSetter are the parts of create responses the recovery helpers use.
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// containsStatus reports whether status is one of list, without case.
func containsStatus(list []string, status string) bool {
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(status), s) {
			return true
		}
	}
	return false
}
