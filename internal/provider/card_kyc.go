package provider

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

// kycField ties a cards_card.kyc attribute to its internal/cardsapi/API.md §5.3 wire name and
// to where its value goes in the request: this table is the one list of KYC fields (schema,
// plan checks, the request, messages); TestKYCTable checks it against the client's.
type kycField struct {
	attr, wire, description string
	kind                    kycKind
	validators              []validator.String
	intValidators           []validator.Int64           // for kycInt
	put                     func(*cardsapi.KYC, string) // for kycString: stores a set value
}

// text stores a string attribute in the request field field returns.
func text(field func(*cardsapi.KYC) *string) func(*cardsapi.KYC, string) {
	return func(k *cardsapi.KYC, v string) { *field(k) = v }
}

type kycKind int

const (
	kycString kycKind = iota
	kycInt
	kycBool
)

// imageValidators judge every image attribute at plan time.
var imageValidators = []validator.String{imageValidator{}}

// kycFields lists every KYC attribute, in the order of internal/cardsapi/API.md §5.3.
var kycFields = []kycField{
	{attr: "first_name", put: text(func(k *cardsapi.KYC) *string { return &k.FirstName }), wire: "firstname", description: "First name."},
	{attr: "last_name", put: text(func(k *cardsapi.KYC) *string { return &k.LastName }), wire: "lastname", description: "Last name."},
	{attr: "gender", put: putGender, wire: "gender", description: "`male` or `female`.",
		validators: []validator.String{matchesPrivately(`^(male|female)$`, `must be "male" or "female"`)}},
	{attr: "date_of_birth", put: text(func(k *cardsapi.KYC) *string { return &k.DOB }), wire: "dob", description: "Date of birth, `yyyy-MM-dd`: a real date before today and at most 120 years ago (checked at plan time).",
		validators: []validator.String{dateOfBirthValidator{}}},
	{attr: "nationality_id", put: text(func(k *cardsapi.KYC) *string { return &k.NationalityID }), wire: "nationalityid", description: "Country id of the nationality, from `data.cards_countries`; " +
		"checked at plan time against the platform's list of countries."},
	{attr: "email", put: text(func(k *cardsapi.KYC) *string { return &k.Email }), wire: "email", description: "Email address.",
		validators: []validator.String{matchesPrivately(`^[^@\s]+@[^@\s]+$`, "must be an email address")}},
	{attr: "mobile_code", put: text(func(k *cardsapi.KYC) *string { return &k.MobileCode }), wire: "mobilecode", description: "Mobile country calling code, e.g. `+91`.",
		validators: []validator.String{matchesPrivately(`^\+[0-9]{1,4}$`, "must be a calling code such as +91")}},
	{attr: "mobile", put: text(func(k *cardsapi.KYC) *string { return &k.Mobile }), wire: "mobile", description: "Mobile number without the country code: 4 to 15 digits, no spaces or signs.",
		validators: []validator.String{matchesPrivately(`^[0-9]{4,15}$`, "must be the mobile number without the country code: 4 to 15 digits, no spaces or signs")}},
	{attr: "address", put: text(func(k *cardsapi.KYC) *string { return &k.Address }), wire: "address", description: "Street address."},
	{attr: "town", put: text(func(k *cardsapi.KYC) *string { return &k.Town }), wire: "town", description: "Town id or code, from `data.cards_towns`; checked at plan time against the platform's " +
		"list of towns and, with `country_id`, that the town is in that country."},
	{attr: "city", put: text(func(k *cardsapi.KYC) *string { return &k.City }), wire: "city", description: "City."},
	{attr: "state", put: text(func(k *cardsapi.KYC) *string { return &k.State }), wire: "state", description: "State or region."},
	{attr: "zip_code", put: text(func(k *cardsapi.KYC) *string { return &k.ZipCode }), wire: "zipcode", description: "Postal code."},
	{attr: "country_id", put: text(func(k *cardsapi.KYC) *string { return &k.CountryID }), wire: "countryid", description: "Country id, from `data.cards_countries`; checked at plan time against the " +
		"platform's list of countries."},
	{attr: "country_iso3", put: text(func(k *cardsapi.KYC) *string { return &k.CountryISOThree }), wire: "countryisothree", description: "ISO 3166-1 alpha-3 country code, e.g. `IND`: three upper-case " +
		"letters, checked at plan time against the platform's list of countries and, with `country_id`, that both name the same country.",
		validators: []validator.String{matchesPrivately(`^[A-Z]{3}$`, "must be three upper-case letters (ISO 3166-1 alpha-3)")}},
	{attr: "emergency_contact", put: text(func(k *cardsapi.KYC) *string { return &k.EmergencyContact }), wire: "emergencycontact", description: "Emergency contact."},
	{attr: "doc_type", wire: "doctype", description: "Identity document type: a positive number defined by the platform.", kind: kycInt,
		intValidators: []validator.Int64{int64validator.AtLeast(1)}},
	{attr: "doc_id", put: text(func(k *cardsapi.KYC) *string { return &k.DocID }), wire: "docid", description: "Identity document number."},
	{attr: "front_doc", put: text(func(k *cardsapi.KYC) *string { return &k.FrontDoc }), wire: "frontdoc", description: "Front image of the document: " + imageRule + ".", validators: imageValidators},
	{attr: "back_doc", put: text(func(k *cardsapi.KYC) *string { return &k.BackDoc }), wire: "backdoc", description: "Back image of the document: " + imageRule + ".", validators: imageValidators},
	{attr: "doc_expire_date", put: text(func(k *cardsapi.KYC) *string { return &k.DocExpireDate }), wire: "docexpiredate", description: "Document expiry date, `yyyy-MM-dd`: a real date, today or later " +
		"(the platform refuses an expired document) unless `doc_never_expires` is true; checked at plan time.",
		validators: []validator.String{docExpireDateValidator{}}},
	{attr: "doc_never_expires", wire: "docneveexpire", description: "Whether the document never expires.", kind: kycBool},
	{attr: "hand_held_id_photo", put: text(func(k *cardsapi.KYC) *string { return &k.HandHoldIDPhoto }), wire: "handholdidphoto", description: "Photo of the holder holding the document, for programs whose KYC " +
		"asks for it (`HandedPassport`): " + imageRule + ". Programs that need such a photo to activate a card take it in " +
		"`binding.hand_held_id_photo` instead.", validators: imageValidators},
	{attr: "biometric", put: text(func(k *cardsapi.KYC) *string { return &k.Biometric }), wire: "biomatric", description: "Biometric data: " + imageRule + ".", validators: imageValidators},
	{attr: "photo", put: text(func(k *cardsapi.KYC) *string { return &k.Photo }), wire: "photo", description: "Face photo: " + imageRule + ".", validators: imageValidators},
	{attr: "sign_image", put: text(func(k *cardsapi.KYC) *string { return &k.SignImage }), wire: "signimage", description: "Signature image, for programs whose KYC asks for it (`Sign`): " + imageRule +
		". The signature sent with freeze, unfreeze and PIN changes is the resource's top-level `sign_image`.", validators: imageValidators},
}

// kycAttributeFor maps a wire name to the cards_card.kyc attribute name.
func kycAttributeFor(wire string) string {
	for _, f := range kycFields {
		if f.wire == wire {
			return f.attr
		}
	}
	return wire
}

// kycAttributeNames maps wire names to sorted attribute names.
func kycAttributeNames(wires []string) []string {
	names := make([]string, 0, len(wires))
	for _, w := range wires {
		names = append(names, kycAttributeFor(w))
	}
	sort.Strings(names)
	return names
}

// kycSchema is the write-only kyc attribute of cards_card.
func kycSchema() schema.SingleNestedAttribute {
	attrs := make(map[string]schema.Attribute, len(kycFields))
	for _, f := range kycFields {
		desc := f.description + " Write-only."
		switch f.kind {
		case kycInt:
			attrs[f.attr] = schema.Int64Attribute{MarkdownDescription: desc, Optional: true, WriteOnly: true, Validators: f.intValidators}
		case kycBool:
			attrs[f.attr] = schema.BoolAttribute{MarkdownDescription: desc, Optional: true, WriteOnly: true}
		default:
			attrs[f.attr] = schema.StringAttribute{MarkdownDescription: desc, Optional: true, WriteOnly: true, Validators: f.validators}
		}
	}
	return schema.SingleNestedAttribute{
		MarkdownDescription: "Know-your-customer data of the cardholder, **write-only** (Terraform 1.11 or later): " +
			"sent on `ApplyCard` or `Binding` as the program requires, never stored in plan or state. " +
			"Plan fails, naming the missing attributes, when the program needs fields that are not set " +
			"(`data.cards_program` lists them), and, naming the attribute, when a value breaks the rule its description " +
			"gives (dates, images, countries and towns against the platform's lists): nothing is sent then. " +
			"A refusal by the platform names these attributes too (`kyc.front_doc`, not `frontdoc`). " +
			"An empty string counts as not set.",
		Optional:   true,
		WriteOnly:  true,
		Attributes: attrs,
	}
}

// putGender stores gender as the platform's number (1 male, 2 female).
func putGender(k *cardsapi.KYC, v string) { k.Gender = map[string]int{"male": 1, "female": 2}[v] }

// kycFromConfig reads the kyc object into the wire struct and the set of wire fields that are set.
func kycFromConfig(obj types.Object) (*cardsapi.KYC, map[string]bool) {
	if obj.IsNull() || obj.IsUnknown() {
		return nil, map[string]bool{}
	}
	set := map[string]bool{}
	var kyc cardsapi.KYC
	attrs := obj.Attributes()
	for _, f := range kycFields {
		v, ok := attrs[f.attr]
		if !ok || v.IsNull() || v.IsUnknown() {
			continue
		}
		switch f.kind {
		case kycInt:
			kyc.DocType = int(v.(types.Int64).ValueInt64()) //nolint:forcetypeassert // schema guarantees the type
		case kycBool:
			never := 0
			if v.(types.Bool).ValueBool() { //nolint:forcetypeassert // schema guarantees the type
				never = 1
			}
			kyc.DocNeverExpire = &never
		default:
			s := v.(types.String).ValueString() //nolint:forcetypeassert // schema guarantees the type
			if s == "" {
				continue
			}
			f.put(&kyc, s)
		}
		set[f.wire] = true
	}
	if len(set) == 0 {
		return nil, set
	}
	return &kyc, set
}

// missingKYC returns the attribute names the program requires that are not set.
func missingKYC(required []string, set map[string]bool) []string {
	var missing []string
	for _, wire := range required {
		if !set[wire] {
			missing = append(missing, wire)
		}
	}
	return kycAttributeNames(missing)
}

// missingKYCMessage explains which kyc attributes a program needs.
func missingKYCMessage(programID, when string, missing []string) string {
	return fmt.Sprintf("Program %q requires KYC %s; these kyc attributes are not set: %s. "+
		"No card was requested. data.cards_program lists every field a program needs.",
		programID, when, strings.Join(missing, ", "))
}
