package provider

// Plan-time checks of the values of cards_card and cards_card_topup that the platform would
// otherwise refuse only after something was sent (issue #9: "every input the plan can judge is
// judged at plan time"). Attribute-local rules are validators, run before any request; the
// rules that need the program, the platform's lists or the card's status run in ModifyPlan,
// and again right before the request at apply for values that were unknown at plan time.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

// maxImageBytes is the platform's limit on one image (internal/cardsapi/API.md §4: "base64 image ≤ 2 MB").
const maxImageBytes = 2 << 20

// imageRule says what an image attribute takes; the sandbox accepts the same.
const imageRule = "a base64-encoded image (standard alphabet, padded; a `data:` URL is accepted too) of at most 2 MB " +
	"once decoded, or an http(s) URL of one, e.g. `filebase64(\"id-front.jpg\")`"

// imageValidator checks an image attribute at plan time: base64 (or a data: or http(s) URL)
// and at most 2 MB. An empty string counts as not set, as everywhere in kyc.
type imageValidator struct{}

func (imageValidator) Description(context.Context) string {
	return "must be " + strings.ReplaceAll(imageRule, "`", "")
}

func (v imageValidator) MarkdownDescription(context.Context) string { return "must be " + imageRule }

func (v imageValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return
	}
	if problem := imageProblem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid image",
			fmt.Sprintf("%s %s: it %s. Nothing was sent. (The value is not repeated here.)", req.Path, v.Description(ctx), problem))
	}
}

// imageProblem returns why v is not an acceptable image, or "".
func imageProblem(v string) string {
	if strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") {
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			return "is not a valid URL"
		}
		return ""
	}
	if strings.HasPrefix(v, "data:") {
		comma := strings.IndexByte(v, ',')
		if comma < 0 || !strings.Contains(v[:comma], ";base64") {
			return "is a data: URL without ;base64, data"
		}
		v = v[comma+1:]
	}
	if base64.StdEncoding.DecodedLen(len(v)) > maxImageBytes+3 {
		return fmt.Sprintf("is longer than 2 MB (%d characters of base64)", len(v))
	}
	data, err := base64.StdEncoding.DecodeString(v)
	switch {
	case err != nil:
		return "is not base64 (" + base64Problem(err) + ")"
	case len(data) > maxImageBytes:
		return fmt.Sprintf("decodes to %d bytes, more than 2 MB", len(data))
	}
	return ""
}

// base64Problem describes a decoding error without quoting the input.
func base64Problem(err error) string {
	var corrupt base64.CorruptInputError
	if errors.As(err, &corrupt) {
		return fmt.Sprintf("unexpected character or padding at offset %d", int64(corrupt))
	}
	return "malformed"
}

// dates are written yyyy-MM-dd (internal/cardsapi/API.md §5.3); "today" is the UTC date.
var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func parseDate(s string) (time.Time, bool) {
	if !datePattern.MatchString(s) {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil
}

func today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

// maxAgeYears bounds a plausible date of birth.
const maxAgeYears = 120

// dateOfBirthRule is the rule of kyc.date_of_birth, as the plan checks it.
const dateOfBirthRule = "must be a real date written yyyy-MM-dd, before today and at most 120 years ago"

// dateOfBirthValidator checks kyc.date_of_birth: a real date, in the past, plausible.
type dateOfBirthValidator struct{}

func (dateOfBirthValidator) Description(context.Context) string { return dateOfBirthRule }

func (v dateOfBirthValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (dateOfBirthValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return
	}
	d, ok := parseDate(req.ConfigValue.ValueString())
	now := today()
	var problem string
	switch {
	case !ok:
		problem = "is not a date written yyyy-MM-dd"
	case !d.Before(now):
		problem = "is today or in the future"
	case d.Before(now.AddDate(-maxAgeYears, 0, 0)):
		problem = fmt.Sprintf("is more than %d years ago", maxAgeYears)
	default:
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid date of birth",
		fmt.Sprintf("%s %s (today is %s, UTC); the value given %s. Nothing was sent. (The value is not repeated here "+
			"because it is personal data.)", req.Path, dateOfBirthRule, now.Format(time.DateOnly), problem))
}

// docExpireDateRule is the rule of kyc.doc_expire_date.
const docExpireDateRule = "must be a real date written yyyy-MM-dd, today or later (the platform refuses an expired document), " +
	"unless doc_never_expires is true"

// docExpireDateValidator checks kyc.doc_expire_date: a real date, not past, unless the
// sibling doc_never_expires is true.
type docExpireDateValidator struct{}

func (docExpireDateValidator) Description(context.Context) string { return docExpireDateRule }

func (v docExpireDateValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (docExpireDateValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return
	}
	d, ok := parseDate(req.ConfigValue.ValueString())
	if !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid document expiry date",
			fmt.Sprintf("%s must be a real date written yyyy-MM-dd. Nothing was sent. (The value is not repeated here "+
				"because it is personal data.)", req.Path))
		return
	}
	now := today()
	if !d.Before(now) {
		return
	}
	var never types.Bool
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, req.Path.ParentPath().AtName("doc_never_expires"), &never)...)
	if never.IsUnknown() || never.ValueBool() {
		return // judged once known; a document that never expires has no expiry to check
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Identity document expired",
		fmt.Sprintf("%s is before today (%s, UTC): the document has expired, and the platform refuses an expired "+
			"document. Use a valid document, or set doc_never_expires = true for one that does not expire. Nothing was sent.",
			req.Path, now.Format(time.DateOnly)))
}

// programIssuesVirtualCards reports whether nothing about the program asks for a physical
// card: no envelope number, no hand-held photo to activate, no KYC at binding, no freight fee.
// The API has no "physical" flag; these are what a program of physical cards has.
func programIssuesVirtualCards(p *cardsapi.Program) bool {
	kycAtBinding := p.NeedsKYC() && !bool(p.KYCRequiredWhileApplyCard)
	return !bool(p.EnvelopeNoRequired) && !bool(p.NeedPhotoForActiveCard) && !kycAtBinding && !p.FreightFee.IsPositive()
}

// checkInputValues checks, before ApplyCard or Binding, what needs the program or the
// platform's lists: a binding on a program of virtual cards, and the KYC values that name
// countries and towns. resuming means the card was applied for already (only Binding is left).
func checkInputValues(ctx context.Context, client *cardsapi.Client, program *cardsapi.Program, wo writeOnlyInputs, resuming bool) diag.Diagnostics {
	var diags diag.Diagnostics
	if !resuming && wo.binding != nil && !wo.bindingUnknown && programIssuesVirtualCards(program) {
		diags.AddAttributeError(path.Root("binding"), "binding set on a program of virtual cards",
			fmt.Sprintf("Program %q (%s) issues virtual cards: it asks for no envelope number, no hand-held ID photo and no KYC "+
				"at binding, and charges no freight. Its cards are never bound, so binding would be ignored. Remove binding, "+
				"or use a program of physical cards (data.cards_program shows a program's needs). No card was requested.",
				program.ProgramID, program.Name))
	}
	kycSent := program.NeedsKYC() && (!resuming || !bool(program.KYCRequiredWhileApplyCard))
	if kycSent && wo.kyc != nil {
		diags.Append(checkKYCReferences(ctx, client, wo.kyc)...)
	}
	return diags
}

var (
	pathKYCNationality = path.Root("kyc").AtName("nationality_id")
	pathKYCCountryID   = path.Root("kyc").AtName("country_id")
	pathKYCCountryISO3 = path.Root("kyc").AtName("country_iso3")
	pathKYCTown        = path.Root("kyc").AtName("town")
)

// checkKYCReferences checks the KYC values that name the platform's countries and towns
// against its own lists (read once per provider process). Values are not repeated: they are
// personal data.
func checkKYCReferences(ctx context.Context, client *cardsapi.Client, kyc *cardsapi.KYC) diag.Diagnostics {
	var diags diag.Diagnostics
	if client == nil || (kyc.NationalityID == "" && kyc.CountryID == "" && kyc.CountryISOThree == "" && kyc.Town == "") {
		return diags
	}
	ref, err := client.ReferenceData(ctx)
	if err != nil {
		diags.AddWarning("KYC countries and towns not checked",
			fmt.Sprintf("The platform's lists of countries and towns could not be read (%s), so kyc.nationality_id, "+
				"kyc.country_id, kyc.country_iso3 and kyc.town were not checked at plan time; the platform checks them when "+
				"the card is requested.", err))
		return diags
	}
	const countries = "data.cards_countries lists the platform's countries"
	var country *cardsapi.Country
	if len(ref.Countries) > 0 {
		if kyc.NationalityID != "" && ref.CountryByID(kyc.NationalityID) == nil {
			diags.AddAttributeError(pathKYCNationality, "Unknown nationality_id",
				"kyc.nationality_id must be the id of one of the platform's countries (its id, such as \"23\", not a name "+
					"or ISO code), and is not. "+countries+". Nothing was sent.")
		}
		if kyc.CountryID != "" {
			if country = ref.CountryByID(kyc.CountryID); country == nil {
				diags.AddAttributeError(pathKYCCountryID, "Unknown country_id",
					"kyc.country_id must be the id of one of the platform's countries (its id, such as \"23\", not a name "+
						"or ISO code), and is not. "+countries+". Nothing was sent.")
			}
		}
		if kyc.CountryISOThree != "" {
			switch c := ref.CountryByISO3(kyc.CountryISOThree); {
			case c == nil:
				diags.AddAttributeError(pathKYCCountryISO3, "Unknown country_iso3",
					"kyc.country_iso3 must be the ISO 3166-1 alpha-3 code of one of the platform's countries (such as \"IND\"), "+
						"and is not. "+countries+" with their iso3 codes. Nothing was sent.")
			case country != nil && c.ID != country.ID:
				diags.AddAttributeError(pathKYCCountryISO3, "country_iso3 does not match country_id",
					"kyc.country_iso3 must be the ISO 3166-1 alpha-3 code of the country kyc.country_id names, and names "+
						"another country. "+countries+" with their ids and iso3 codes. Nothing was sent.")
			}
		}
	}
	if kyc.Town != "" && len(ref.Towns) > 0 {
		switch t := ref.Town(kyc.Town); {
		case t == nil:
			diags.AddAttributeError(pathKYCTown, "Unknown town",
				"kyc.town must be the id or code of one of the platform's towns (such as \"1025\" or \"INBOM\"), and is not. "+
					"data.cards_towns lists them. Nothing was sent.")
		case country != nil && strings.TrimSpace(string(t.CountryOrRegion)) != strings.TrimSpace(string(country.ID)):
			diags.AddAttributeError(pathKYCTown, "town is not in country_id",
				"kyc.town must be a town of the country kyc.country_id names, and is in another country. "+
					"data.cards_towns with country_id lists a country's towns. Nothing was sent.")
		}
	}
	return diags
}

// checkCardImportable refuses, with a clear message, to import a card that cannot be
// managed: one that does not exist, or one that is cancelled.
func checkCardImportable(ctx context.Context, client *cardsapi.Client, cardID string, diags *diag.Diagnostics) bool {
	if client == nil {
		return true
	}
	details, err := client.CardDetails(ctx, cardID)
	switch {
	case cardsapi.IsNotFound(err):
		if addWrongBaseURL(ctx, client, err, diags) {
			return false
		}
		diags.AddError("Cannot import the card: card not found",
			fmt.Sprintf("No card %q exists for this merchant (a cancelled card is no longer found once the platform's "+
				"retention period has passed). Check the id: terraform import cards_card.NAME <card_id>.", cardID))
		return false
	case err != nil:
		diags.AddError("Cannot import the card", fmt.Sprintf("Card %q could not be read: %s", cardID, err))
		return false
	case strings.EqualFold(details.CardStatus, cardsapi.CardStatusCancelled):
		diags.AddError("Cannot import a cancelled card",
			fmt.Sprintf("Card %s is cancelled; a cancelled card cannot be managed. Cancellation is final: the card can be "+
				"neither reactivated nor used. Import a card that is not cancelled, or remove the import and apply to issue a "+
				"new card.", cardID))
		return false
	}
	return true
}

// checkTopUpCard judges the card of a new top-up at plan time, before any money moves. A
// cancelled or KYC-rejected card can never be topped up: an error on card_id. Another status
// that is not Active may still change before the top-up is made (this same apply may unfreeze
// or bind the card): a warning. A card that cannot be read here is left to the estimate.
func checkTopUpCard(ctx context.Context, client *cardsapi.Client, cardID string, diags *diag.Diagnostics) bool {
	if client == nil {
		return true
	}
	details, err := client.CardDetails(ctx, cardID)
	if err != nil || !cardsapi.IsKnownCardStatus(details.CardStatus) {
		return true
	}
	status := details.CardStatus
	switch {
	case strings.EqualFold(status, cardsapi.CardStatusActive):
		return true
	case strings.EqualFold(status, cardsapi.CardStatusCancelled), strings.EqualFold(status, cardsapi.CardStatusKYCRejected):
		diags.AddAttributeError(pathCardID, "Top-up onto a card that cannot be used",
			fmt.Sprintf("card_id names card %s, which is %s: it can never be active again, and the platform tops up only "+
				"active cards. No money was moved. Top up another card.", cardID, status))
		return false
	default:
		diags.AddAttributeWarning(pathCardID, "Top-up onto a card that is not active",
			fmt.Sprintf("card_id names card %s, which is %s now; the platform tops up only active cards. The top-up succeeds "+
				"only if the card is active when apply makes it (for example because this apply unfreezes or binds it); "+
				"otherwise the platform refuses it and no money moves.", cardID, status))
		return true
	}
}

// checkPINCard refuses to reveal the PIN of a cancelled card: it can never be used again, so
// its PIN is of no use, and revealing it would only expose it.
func checkPINCard(ctx context.Context, client *cardsapi.Client, cardID string, diags *diag.Diagnostics) bool {
	details, err := client.CardDetails(ctx, cardID)
	switch {
	case err != nil:
		diags.AddAttributeError(pathCardID, "Cannot read the card's PIN", "card_id: "+cardLookupError(cardID, err))
		return false
	case strings.EqualFold(details.CardStatus, cardsapi.CardStatusCancelled):
		diags.AddAttributeError(pathCardID, "The PIN of a cancelled card is not revealed",
			fmt.Sprintf("card_id names card %s, which is cancelled; a cancelled card cannot be used again, so its PIN is of no "+
				"use and is not read (revealing it would only expose it). Remove this cards_card_pin, or point it at an "+
				"active card.", cardID))
		return false
	}
	return true
}

// Wire names in the platform's remarks, and the attributes they stand for. Names that are
// ordinary words (email, address, state, ...) are only translated where the platform's
// remarks name fields: at the start of a remark or of one of its "; "-separated problems,
// and in a "missing a, b, c" list; the others wherever they appear as a word.
var (
	remarkDistinct *regexp.Regexp
	remarkPlain    *regexp.Regexp
)

// remarkPlainWires are the KYC wire names that are also ordinary words.
var remarkPlainWires = map[string]bool{
	"gender": true, "email": true, "mobile": true, "address": true, "town": true, "city": true, "state": true, "photo": true,
}

func init() {
	var distinct, plain []string
	for _, f := range kycFields {
		if remarkPlainWires[f.wire] {
			plain = append(plain, regexp.QuoteMeta(f.wire))
		} else {
			distinct = append(distinct, regexp.QuoteMeta(f.wire))
		}
	}
	distinct = append(distinct, "cardnumber", "envelopeno", "programid")
	remarkDistinct = regexp.MustCompile(`(?i)\b(` + strings.Join(distinct, "|") + `)\b`)
	remarkPlain = regexp.MustCompile(`(?i)(^|: |; |, |missing )(` + strings.Join(plain, "|") + `)\b`)
}

// remarksInTerraformNames rewrites the wire names in the remarks of a refused ApplyCard or
// Binding into the attributes of cards_card (frontdoc -> kyc.front_doc); "" when nothing
// changes.
func remarksInTerraformNames(remarks, operation string) string {
	inKYC := strings.Contains(strings.ToLower(remarks), "kyc")
	name := func(wire string) string {
		w := strings.ToLower(wire)
		switch w {
		case "cardnumber":
			return "binding.card_number"
		case "envelopeno":
			return "binding.envelope_no"
		case "programid":
			return "program_id"
		case "handholdidphoto":
			if operation == "Binding" && !strings.HasPrefix(strings.ToLower(remarks), "kyc") {
				return "binding.hand_held_id_photo"
			}
		case "signimage":
			if !inKYC {
				return "sign_image"
			}
		}
		return "kyc." + kycAttributeFor(w)
	}
	out := remarkDistinct.ReplaceAllStringFunc(remarks, name)
	out = remarkPlain.ReplaceAllStringFunc(out, func(m string) string {
		sub := remarkPlain.FindStringSubmatch(m)
		return sub[1] + name(sub[2])
	})
	if out == remarks {
		return ""
	}
	return out
}

// withTerraformNames adds to a refused ApplyCard or Binding the platform's remarks in the
// attribute names of this configuration, keeping the original remarks (and the error chain).
func withTerraformNames(err error, operation string) error {
	if err == nil || !cardsapi.IsRefused(err) {
		return err
	}
	translated := remarksInTerraformNames(cardsapi.RemarksOf(err), operation)
	if translated == "" {
		return err
	}
	return fmt.Errorf("%w\nIn this configuration's attribute names: %s", err, translated)
}
