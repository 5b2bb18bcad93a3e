package provider

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

func validateString(v validator.String, p path.Path, value string) diag.Diagnostics {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: p, ConfigValue: types.StringValue(value)}, resp)
	return resp.Diagnostics
}

func TestImageProblem(t *testing.T) {
	twoMB := base64.StdEncoding.EncodeToString(make([]byte, maxImageBytes))
	overTwoMB := base64.StdEncoding.EncodeToString(make([]byte, maxImageBytes+1))
	for value, ok := range map[string]bool{
		"RlJPTlRET0NJTUFHRQ==":                 true,
		"data:image/png;base64,aGVsbG8=":       true,
		"https://cdn.example.com/id-front.jpg": true,
		"aGVsbG8g\nc2FuZGJveA==":               true, // line breaks, as base64 -w 76 writes them
		twoMB:                                  true,
		overTwoMB:                              false,
		"not base64!":                          false,
		"aGVsbG8":                              false, // unpadded
		"aGVsbG8-_w==":                         false, // URL alphabet
		"data:image/png,rawbytes":              false,
		"https://":                             false,
		"/9j/4AAQSkZJRgABAQ" + strings.Repeat("A", 2): true,
	} {
		if got := imageProblem(value) == ""; got != ok {
			t.Errorf("imageProblem(%.40q) accepted = %v, want %v (%s)", value, got, ok, imageProblem(value))
		}
	}
	// The diagnostic names the attribute and never repeats the value.
	diags := validateString(imageValidator{}, path.Root("kyc").AtName("front_doc"), "secret passport scan")
	if !diags.HasError() {
		t.Fatal("not base64 was accepted")
	}
	text := diags[0].Summary() + " " + diags[0].Detail()
	if !strings.Contains(text, "kyc.front_doc") || !strings.Contains(text, "base64") || strings.Contains(text, "secret passport") {
		t.Errorf("diagnostic: %s", text)
	}
	if diags := validateString(imageValidator{}, path.Root("sign_image"), ""); diags.HasError() {
		t.Errorf("an empty string counts as not set: %v", diags)
	}
}

func TestDateOfBirthValidator(t *testing.T) {
	now := time.Now().UTC()
	p := path.Root("kyc").AtName("date_of_birth")
	for value, ok := range map[string]bool{
		"1990-04-12": true,
		now.AddDate(-maxAgeYears, 0, 1).Format(time.DateOnly):   true,
		now.AddDate(0, 0, -1).Format(time.DateOnly):             true,
		now.Format(time.DateOnly):                               false,
		now.AddDate(0, 0, 2).Format(time.DateOnly):              false,
		now.AddDate(-maxAgeYears-1, 0, 0).Format(time.DateOnly): false,
		"1990-02-30": false,
		"12/04/1990": false,
		"1990-4-12":  false,
	} {
		diags := validateString(dateOfBirthValidator{}, p, value)
		if diags.HasError() == ok {
			t.Errorf("date_of_birth %s: accepted = %v, want %v", value, !diags.HasError(), ok)
			continue
		}
		if !ok {
			text := diags[0].Detail()
			repeated := strings.Contains(text, value) && value != now.Format(time.DateOnly) // today's date is stated
			if !strings.Contains(text, "kyc.date_of_birth") || !strings.Contains(text, "120 years") || repeated {
				t.Errorf("diagnostic for %s: %s", value, text)
			}
		}
	}
}

// kycConfig is a cards_card configuration whose kyc holds attrs (everything else null).
func kycConfig(t *testing.T, attrs map[string]tftypes.Value) tfsdk.Config {
	t.Helper()
	ctx := context.Background()
	var sr resource.SchemaResponse
	(&cardResource{}).Schema(ctx, resource.SchemaRequest{}, &sr)
	objType := sr.Schema.Type().TerraformType(ctx).(tftypes.Object) //nolint:forcetypeassert // a schema is an object
	kycType := objType.AttributeTypes["kyc"].(tftypes.Object)       //nolint:forcetypeassert // kyc is an object
	kyc := objectWith(kycType, attrs)
	return tfsdk.Config{Schema: sr.Schema, Raw: objectWith(objType, map[string]tftypes.Value{"kyc": kyc})}
}

func TestDocExpireDateValidator(t *testing.T) {
	now := time.Now().UTC()
	past, future := now.AddDate(0, 0, -1).Format(time.DateOnly), now.AddDate(1, 0, 0).Format(time.DateOnly)
	p := path.Root("kyc").AtName("doc_expire_date")
	for _, tc := range []struct {
		date  string
		never tftypes.Value
		ok    bool
	}{
		{future, tftypes.NewValue(tftypes.Bool, false), true},
		{now.Format(time.DateOnly), tftypes.NewValue(tftypes.Bool, false), true}, // valid through today
		{past, tftypes.NewValue(tftypes.Bool, false), false},
		{past, tftypes.NewValue(tftypes.Bool, nil), false},
		{past, tftypes.NewValue(tftypes.Bool, true), true},
		{past, tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue), true}, // judged once known
		{"2031-02-30", tftypes.NewValue(tftypes.Bool, true), false},
	} {
		config := kycConfig(t, map[string]tftypes.Value{"doc_expire_date": tftypes.NewValue(tftypes.String, tc.date), "doc_never_expires": tc.never})
		resp := &validator.StringResponse{}
		docExpireDateValidator{}.ValidateString(context.Background(),
			validator.StringRequest{Path: p, ConfigValue: types.StringValue(tc.date), Config: config}, resp)
		if resp.Diagnostics.HasError() == tc.ok {
			t.Errorf("doc_expire_date %s, doc_never_expires %v: accepted = %v, want %v (%v)",
				tc.date, tc.never, !resp.Diagnostics.HasError(), tc.ok, resp.Diagnostics)
		}
		for _, d := range resp.Diagnostics {
			if !strings.Contains(d.Detail(), "kyc.doc_expire_date") {
				t.Errorf("diagnostic does not name the attribute: %s", d.Detail())
			}
		}
	}
}

// The sandbox's refusal remarks, in the names of the configuration, the original kept.
func TestRemarksInTerraformNames(t *testing.T) {
	for _, tc := range []struct{ op, remarks, want string }{
		{"ApplyCard", `KYC incomplete: missing dob, mobile, town, zipcode, docneveexpire (required by kycRequirements "FullName,Comms,FullAddress,Passport")`,
			`KYC incomplete: missing kyc.date_of_birth, kyc.mobile, kyc.town, kyc.zip_code, kyc.doc_never_expires (required by kycRequirements "FullName,Comms,FullAddress,Passport")`},
		{"ApplyCard", "KYC invalid: email is not a valid address; frontdoc must be a base64 image (standard alphabet) or an http(s) URL; countryisothree DEU does not match countryid 2 (GBR)",
			"KYC invalid: kyc.email is not a valid address; kyc.front_doc must be a base64 image (standard alphabet) or an http(s) URL; kyc.country_iso3 DEU does not match kyc.country_id 2 (GBR)"},
		{"Binding", "handholdidphoto must be a base64 image (standard alphabet) or an http(s) URL",
			"binding.hand_held_id_photo must be a base64 image (standard alphabet) or an http(s) URL"},
		{"Binding", "KYC invalid: handholdidphoto exceeds 2 MB", "KYC invalid: kyc.hand_held_id_photo exceeds 2 MB"},
		{"Binding", "envelopeNo is required by program e9b8", "binding.envelope_no is required by program e9b8"},
		{"Binding", "cardNumber is already bound to another card", "binding.card_number is already bound to another card"},
		{"Binding", "card is Cancelled; Binding needs a card in AwaitingBinding", ""},
		{"ApplyCard", "Program not found: x is not one of the merchant's programs", ""},
	} {
		if got := remarksInTerraformNames(tc.remarks, tc.op); got != tc.want {
			t.Errorf("%s %q:\n got %q\nwant %q", tc.op, tc.remarks, got, tc.want)
		}
	}
	err := withTerraformNames(&cardsapi.Error{Kind: cardsapi.KindRefused, Operation: "ApplyCard", Remarks: "KYC invalid: frontdoc exceeds 2 MB"}, "ApplyCard")
	if !strings.Contains(err.Error(), "ApplyCard: refused: KYC invalid: frontdoc exceeds 2 MB") ||
		!strings.Contains(err.Error(), "kyc.front_doc exceeds 2 MB") || !cardsapi.IsRefused(err) {
		t.Errorf("translated error: %v", err)
	}
}

func TestProgramIssuesVirtualCards(t *testing.T) {
	reqs := "FullName,Comms"
	for name, tc := range map[string]struct {
		p       cardsapi.Program
		virtual bool
	}{
		"nothing physical":  {cardsapi.Program{}, true},
		"kyc at apply only": {cardsapi.Program{KYCRequirements: &reqs, KYCRequiredWhileApplyCard: true}, true},
		"envelope number":   {cardsapi.Program{EnvelopeNoRequired: true}, false},
		"hand-held photo":   {cardsapi.Program{NeedPhotoForActiveCard: true}, false},
		"kyc at binding":    {cardsapi.Program{KYCRequirements: &reqs}, false},
		"a freight fee":     {cardsapi.Program{FreightFee: decimal.RequireFromString("12")}, false},
		"signed operations": {cardsapi.Program{NeedPhotoForOperateCard: true}, true},
	} {
		if got := programIssuesVirtualCards(&tc.p); got != tc.virtual {
			t.Errorf("%s: virtual = %v, want %v", name, got, tc.virtual)
		}
	}
}

// Against the sandbox: the platform's lists are read once per client however many cards are
// checked; a top-up onto a frozen card is a warning, onto a cancelled one an error.
func TestInputChecksAgainstTheSandbox(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "counts requests and forces card statuses")
	client := sb.client(t)
	ctx := testContext(t)
	good := &cardsapi.KYC{NationalityID: "23", CountryID: "23", CountryISOThree: "IND", Town: "INBOM"}
	for range 5 {
		if diags := checkKYCReferences(ctx, client, good); diags.HasError() {
			t.Fatalf("valid references refused: %v", diags)
		}
	}
	if c := sb.Counters(); c["Countries"] != 1 || c["Towns"] != 1 {
		t.Errorf("Countries read %d times, Towns %d times; want once each", c["Countries"], c["Towns"])
	}
	bad := &cardsapi.KYC{NationalityID: "999", CountryID: "23", CountryISOThree: "GBR", Town: "1005"}
	diags := checkKYCReferences(ctx, client, bad)
	var paths []string
	for _, d := range diags.Errors() {
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			paths = append(paths, withPath.Path().String())
		}
	}
	if got := strings.Join(paths, " "); got != "kyc.nationality_id kyc.country_iso3 kyc.town" {
		t.Errorf("errors on %q, want nationality_id, country_iso3 and town", got)
	}

	frozen := sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
	if err := sb.ForceCardStatus(frozen, sandbox.CardStatusFrozen); err != nil {
		t.Fatal(err)
	}
	var topUp diag.Diagnostics
	if !checkTopUpCard(ctx, client, frozen, &topUp) || topUp.WarningsCount() != 1 || topUp.HasError() {
		t.Errorf("a frozen card (the same apply may unfreeze it): want one warning, got %v", topUp)
	}
	if err := sb.ForceCardStatus(frozen, sandbox.CardStatusCancelled); err != nil {
		t.Fatal(err)
	}
	topUp = nil
	if checkTopUpCard(ctx, client, frozen, &topUp) || !topUp.HasError() {
		t.Errorf("a cancelled card: want an error, got %v", topUp)
	}
	var pin diag.Diagnostics
	if checkPINCard(ctx, client, frozen, &pin) || !strings.Contains(pin.Errors()[0].Detail(), "cancelled") {
		t.Errorf("the PIN of a cancelled card: want an error, got %v", pin)
	}
	if n := sb.Counters()["PinDetails"]; n != 0 {
		t.Errorf("PinDetails was called %d times for a cancelled card", n)
	}
}
