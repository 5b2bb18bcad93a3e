package provider

// The bad-input table of issue #9: one plan-only case per row of the issue's table and per
// input attribute of every resource, data source, ephemeral resource and the provider (empty,
// malformed, out of range, a wrong type or an id that does not exist). Each case must be
// refused (a) where it should be: at plan, or at import for an import; (b) with a message that
// names the attribute; (c) without the sandbox receiving a request that issues, binds, tops
// up, freezes, unfreezes, cancels or sets the PIN of a card. The counts go to the test log and
// to .tmp/bad-input-counts.json (for RELIABILITY.md).

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// Where a case is refused.
const (
	atPlan   = "plan"   // validate, plan, data source reads and ephemeral opens of terraform plan
	atImport = "import" // terraform import
	atApply  = "apply"
)

// mutatingOperations must never be sent for a bad input.
var mutatingOperations = []string{"ApplyCard", "Binding", "CardTopUp", "CardFreeze", "CardUnFreeze", "CancelCard", "CardSetPin"}

// badInput is one row: a configuration (after the provider block, unless ownProvider) that
// must be refused where, with a message matching want that names attr.
type badInput struct {
	group       string // the TestCase the row runs in (see badInputGroups)
	attr        string // the attribute, as the user writes it: "kyc.date_of_birth", "provider.base_url"
	what        string // what is wrong, e.g. "in the future"
	issue       bool   // a row of the issue's table
	where       string // atPlan or atImport
	want        string // expected message, a regular expression on the normalised error text
	config      func(fx *badInputFixtures) string
	ownProvider bool // config holds its own provider block
	importID    func(fx *badInputFixtures) string
	importOf    string // resource address imported
	// terraformQuotes is the attribute Terraform's own message quotes when it refuses a value
	// of the wrong type before the provider sees it; "" means the attribute's last part. For
	// a number or bool inside kyc, Terraform names only "kyc" (and shows the whole object).
	terraformQuotes string
}

// badInputFixtures are what a group's configurations refer to. Dates relative to today are
// written "FUTURE", "PAST" (yesterday) and "LONGAGO" (130 years ago) in the rows.
type badInputFixtures struct {
	sb                    *testSandbox
	activeCard, cancelled string
	providerURL, keyFile  string
}

// badInputGroups: a TestCase per group, run in parallel; minimum CLI version of each.
var badInputGroups = []struct {
	name string
	min  *version.Version // write-only arguments need 1.11, ephemeral resources 1.10
}{
	{"provider", nil},
	{"card", tfversion.Version1_11_0},
	{"kyc", tfversion.Version1_11_0},
	{"topup-and-data", nil},
	{"ephemeral-and-import", tfversion.Version1_10_0},
}

// The physical card of ProgramPhysicalKYC whose kyc and binding the kyc rows break one by one.
var physicalKYCAttrs = [][2]string{
	{"first_name", `"Jane"`}, {"last_name", `"Quixotewright"`}, {"gender", `"female"`}, {"date_of_birth", `"1990-04-12"`},
	{"email", `"jane.quixotewright@example.com"`}, {"mobile_code", `"+91"`}, {"mobile", `"9876501234"`},
	{"address", `"12 Zephyrine Lane"`}, {"town", `"1025"`}, {"city", `"Mumbai"`}, {"state", `"Maharashtra"`},
	{"zip_code", `"400001"`}, {"country_id", `"23"`}, {"country_iso3", `"IND"`}, {"doc_type", `1`}, {"doc_id", `"P7788991Z"`},
	{"front_doc", `"RlJPTlRET0NJTUFHRQ=="`}, {"back_doc", `"QkFDS0RPQ0lNQUdF"`}, {"doc_expire_date", `"2031-01-01"`},
	{"doc_never_expires", `false`},
}

const goodBinding = `{
    card_number = "4111111111111111"
    envelope_no = "ENV-0042"
  }`

// kycCard is the physical card with kyc.attr set to hcl ("" leaves it out; an attribute not
// in physicalKYCAttrs is added).
func kycCard(attr, hcl string) string {
	var b strings.Builder
	found := false
	for _, kv := range physicalKYCAttrs {
		if kv[0] == attr {
			found = true
			if hcl == "" {
				continue
			}
			kv[1] = hcl
		}
		fmt.Fprintf(&b, "    %s = %s\n", kv[0], kv[1])
	}
	if !found && hcl != "" {
		fmt.Fprintf(&b, "    %s = %s\n", attr, hcl)
	}
	return fmt.Sprintf(`
resource "cards_card" "bad" {
  program_id = %q
  kyc = {
%s  }
  binding = %s
}
`, sandbox.ProgramPhysicalKYC, b.String(), goodBinding)
}

// physicalCard is the physical card with its binding (or whole kyc) replaced.
func physicalCard(kyc, binding string) string {
	if kyc == "" {
		var b strings.Builder
		for _, kv := range physicalKYCAttrs {
			fmt.Fprintf(&b, "    %s = %s\n", kv[0], kv[1])
		}
		kyc = "{\n" + b.String() + "  }"
	}
	out := fmt.Sprintf("\nresource \"cards_card\" \"bad\" {\n  program_id = %q\n  kyc = %s\n", sandbox.ProgramPhysicalKYC, kyc)
	if binding != "" {
		out += "  binding = " + binding + "\n"
	}
	return out + "}\n"
}

// atBindingCard is a card of ProgramPhysicalKYCAtBinding (KYC and a hand-held photo at binding).
func atBindingCard(photo string) string {
	binding := `"4111111111111111"`
	photoLine := ""
	if photo != "" {
		photoLine = "\n    hand_held_id_photo = " + photo
	}
	return fmt.Sprintf(`
resource "cards_card" "bad" {
  program_id = %q
  kyc = {
    first_name    = "Jane"
    last_name     = "Quixotewright"
    gender        = "female"
    date_of_birth = "1990-04-12"
    email         = "jane.quixotewright@example.com"
    mobile_code   = "+91"
    mobile        = "9876501234"
  }
  binding = {
    card_number = %s%s
  }
}
`, sandbox.ProgramPhysicalKYCAtBinding, binding, photoLine)
}

// card is a cards_card of program with extra attribute lines.
func card(program, extra string) string {
	return fmt.Sprintf("\nresource \"cards_card\" \"bad\" {\n  program_id = %q\n%s\n}\n", program, extra)
}

func lit(s string) func(*badInputFixtures) string { return func(*badInputFixtures) string { return s } }

func topUp(cardID func(*badInputFixtures) string, amount, extra string) func(*badInputFixtures) string {
	return func(fx *badInputFixtures) string {
		return fmt.Sprintf("\nresource \"cards_card_topup\" \"bad\" {\n  card_id = %q\n  amount  = %s\n%s\n}\n", cardID(fx), amount, extra)
	}
}

func activeCard(fx *badInputFixtures) string    { return fx.activeCard }
func cancelledCard(fx *badInputFixtures) string { return fx.cancelled }

const unknownID = "00000000-0000-4000-8000-00000000dead"

func dataSource(typ, body string) func(*badInputFixtures) string {
	return lit(fmt.Sprintf("\ndata %q \"bad\" {\n%s\n}\n", typ, body))
}

func ephemeralOf(typ string, cardID func(*badInputFixtures) string) func(*badInputFixtures) string {
	return func(fx *badInputFixtures) string {
		return fmt.Sprintf("\nephemeral %q \"bad\" {\n  card_id = %q\n}\n", typ, cardID(fx))
	}
}

// providerWith is the sandbox's provider block with one line added or replaced, and a data
// source so that the provider is configured.
func providerWith(line string) func(*badInputFixtures) string {
	return func(fx *badInputFixtures) string {
		lines := map[string]string{
			"base_url":       fmt.Sprintf("%q", fx.providerURL),
			"customer_token": fmt.Sprintf("%q", fx.sb.CustomerToken),
			"private_key":    fmt.Sprintf("file(%q)", fx.keyFile),
		}
		name, value, _ := strings.Cut(line, "=")
		lines[strings.TrimSpace(name)] = strings.TrimSpace(value)
		keys := make([]string, 0, len(lines))
		for k := range lines {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("provider \"cards\" {\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s = %s\n", k, lines[k])
		}
		b.WriteString("}\n\ndata \"cards_merchant\" \"m\" {}\n")
		return b.String()
	}
}

// Wrong type: a value Terraform itself refuses before the provider sees it.
const wrongType = `Inappropriate value for attribute|Incorrect attribute value type`

func badInputRows() []badInput {
	var rows []badInput
	add := func(group, attr, what, want string, config func(*badInputFixtures) string) *badInput {
		rows = append(rows, badInput{group: group, attr: attr, what: what, where: atPlan, want: want, config: config})
		return &rows[len(rows)-1] // only to be changed before the next add
	}
	issue := func(r *badInput) { r.issue = true }

	// The provider block.
	for _, p := range []struct{ what, line, want string }{
		{"empty", `base_url = ""`, `Invalid base_url`},
		{"malformed", `base_url = "not a url"`, `Invalid base_url`},
		{"plain http to a remote host", `base_url = "http://cards.example.com/api/v1"`, `Invalid base_url.*https`},
		{"with credentials", `base_url = "https://u:p@cards.example.com/api/v1"`, `Invalid base_url.*credentials`},
		{"with a query", `base_url = "https://cards.example.com/api/v1?x=1"`, `Invalid base_url.*query`},
		{"wrong type", `base_url = ["https://cards.example.com/api/v1"]`, wrongType},
		{"empty", `customer_token = ""`, `Empty customer_token`},
		{"a trailing newline", `customer_token = "token\n"`, `Invalid customer_token.*control character`},
		{"empty", `private_key = ""`, `Empty private_key`},
		{"not PEM", `private_key = "not a key"`, `Invalid private key`},
		{"a control character", `bearer_token = "bearer\n"`, `Invalid bearer_token.*control character`},
		{"negative", `max_retries = -1`, `max_retries.*between 0 and 20`},
		{"out of range", `max_retries = 100`, `max_retries.*between 0 and 20`},
		{"wrong type", `max_retries = "many"`, wrongType},
		{"zero", `requests_per_second = 0`, `requests_per_second.*between 0.1`},
		{"malformed", `request_timeout = "soon"`, `Invalid duration.*request_timeout|request_timeout.*duration`},
		{"negative", `request_timeout = "-5s"`, `Invalid duration|request_timeout.*duration`},
		{"unknown status", `card_status_map = { Normal = "Bogus" }`, `card_status_map`},
		{"empty platform name", `card_status_map = { "" = "Active" }`, `card_status_map`},
		{"unknown status", `topup_status_map = { Done = "Bogus" }`, `topup_status_map`},
	} {
		name, _, _ := strings.Cut(p.line, "=")
		r := add("provider", "provider."+strings.TrimSpace(name), p.what, p.want, providerWith(p.line))
		r.ownProvider = true
	}

	// cards_card, its binding and sign_image.
	add("card", "program_id", "empty", `program_id.*length must be between 1 and 36`, lit(card("", "")))
	add("card", "program_id", "too long", `program_id.*length must be between 1 and 36`, lit(card(strings.Repeat("a", 37), "")))
	add("card", "program_id", "unknown", `Program not found.*merchant's programs`, lit(card(unknownID, "")))
	add("card", "frozen", "wrong type", wrongType, lit(card(sandbox.ProgramVirtual, `  frozen = "maybe"`)))
	add("card", "pin_version", "negative", `Invalid pin_version`, lit(card(sandbox.ProgramVirtual, `  pin_version = -1`)))
	add("card", "pin_version", "wrong type", wrongType, lit(card(sandbox.ProgramVirtual, `  pin_version = "one"`)))
	add("card", "timeouts.create", "malformed", `Invalid Attribute Value Time Duration`, lit(card(sandbox.ProgramVirtual, "  timeouts {\n    create = \"soon\"\n  }")))
	issue(add("card", "sign_image", "not base64, program needs it, frozen = true", `Invalid image.*sign_image.*not base64`,
		lit(card(sandbox.ProgramSignature, "  frozen     = true\n  sign_image = \"not base64!\""))))
	add("card", "sign_image", "over 2 MB", `Invalid image.*sign_image.*2 MB`,
		lit(card(sandbox.ProgramSignature, "  frozen     = true\n  sign_image = \""+strings.Repeat("QUJD", 700_000)+"\"")))
	add("card", "sign_image", "missing, program needs it, frozen = true", `Missing sign_image`,
		lit(card(sandbox.ProgramSignature, "  frozen = true")))
	add("card", "sign_image", "wrong type", wrongType, lit(card(sandbox.ProgramSignature, "  sign_image = [\"x\"]")))
	issue(add("card", "binding", "set on a program of virtual cards", `binding set on a program of virtual cards`,
		lit(card(sandbox.ProgramVirtual, "  binding = {\n    card_number = \"4111111111111111\"\n  }"))))
	add("card", "binding", "missing on a physical program", `Missing binding`, lit(physicalCard("", "")))
	add("card", "binding", "wrong type", wrongType, lit(physicalCard("", `"4111111111111111"`)))
	add("card", "binding.card_number", "fails the Luhn check", `Invalid binding.card_number.*binding.card_number must be the card number`,
		lit(physicalCard("", `{ card_number = "4111111111111112", envelope_no = "ENV-1" }`)))
	add("card", "binding.card_number", "not digits", `binding.card_number must be the card number`,
		lit(physicalCard("", `{ card_number = "4111-1111-1111-1111", envelope_no = "ENV-1" }`)))
	add("card", "binding.card_number", "empty", `binding.card_number must be the card number`,
		lit(physicalCard("", `{ card_number = "", envelope_no = "ENV-1" }`)))
	add("card", "binding.envelope_no", "too long", `binding.envelope_no.*length must be between 1 and 15`,
		lit(physicalCard("", `{ card_number = "4111111111111111", envelope_no = "ENV-0123456789ABC" }`)))
	add("card", "binding.envelope_no", "empty", `binding.envelope_no.*length must be between 1 and 15`,
		lit(physicalCard("", `{ card_number = "4111111111111111", envelope_no = "" }`)))
	add("card", "binding.envelope_no", "missing, program needs it", `Missing envelope_no`,
		lit(physicalCard("", `{ card_number = "4111111111111111" }`)))
	issue(add("card", "binding.hand_held_id_photo", "not base64", `Invalid image.*binding.hand_held_id_photo.*not base64`,
		lit(atBindingCard(`"not base64!"`))))
	add("card", "binding.hand_held_id_photo", "missing, program needs it", `Missing hand_held_id_photo`, lit(atBindingCard("")))

	// cards_card.kyc, attribute by attribute, on the physical card that needs it all.
	kyc := func(attr, what, want, hcl string) *badInput {
		return add("kyc", "kyc."+attr, what, want, lit(kycCard(attr, hcl)))
	}
	missing := func(attr string) { kyc(attr, "empty (required)", `Missing KYC fields.*`+attr, `""`) }
	wrong := func(attr string) { kyc(attr, "wrong type", wrongType, `["x"]`) }
	add("kyc", "kyc", "missing on a program that needs it", `Missing KYC fields.*first_name`, lit(physicalCard("null", goodBinding)))
	add("kyc", "kyc", "wrong type", wrongType, lit(physicalCard(`"Jane"`, goodBinding)))
	missing("first_name")
	missing("last_name")
	kyc("gender", "unknown value", `kyc.gender must be "male" or "female"`, `"other"`)
	kyc("date_of_birth", "malformed", `Invalid date of birth.*kyc.date_of_birth`, `"12/04/1990"`)
	kyc("date_of_birth", "not a real date", `Invalid date of birth.*kyc.date_of_birth`, `"1990-02-30"`)
	issue(kyc("date_of_birth", "in the future", `Invalid date of birth.*kyc.date_of_birth.*before today`, `"FUTURE"`))
	kyc("date_of_birth", "over 120 years ago", `Invalid date of birth.*kyc.date_of_birth.*120 years`, `"LONGAGO"`)
	kyc("nationality_id", "not a country of the platform", `Unknown nationality_id.*kyc.nationality_id`, `"999"`)
	kyc("email", "malformed", `kyc.email must be an email address`, `"jane.example.com"`)
	kyc("mobile_code", "malformed", `kyc.mobile_code must be a calling code`, `"91"`)
	kyc("mobile", "malformed", `kyc.mobile must be the mobile number`, `"98765 01234"`)
	missing("address")
	kyc("town", "not a town of the platform", `Unknown town.*kyc.town`, `"9999"`)
	kyc("town", "in another country than country_id", `town is not in country_id.*kyc.town`, `"1005"`)
	missing("city")
	missing("state")
	missing("zip_code")
	kyc("country_id", "not a country of the platform", `Unknown country_id.*kyc.country_id`, `"999"`)
	issue(kyc("country_iso3", `"XYZ"`, `Unknown country_iso3.*kyc.country_iso3`, `"XYZ"`))
	kyc("country_iso3", "lower case, two letters", `kyc.country_iso3 must be three upper-case letters`, `"in"`)
	kyc("country_iso3", "another country than country_id", `country_iso3 does not match country_id.*kyc.country_iso3`, `"DEU"`)
	wrong("emergency_contact")
	kyc("doc_type", "zero", `doc_type.*at least 1`, `0`)
	kyc("doc_type", "wrong type", wrongType, `"passport"`).terraformQuotes = "kyc"
	missing("doc_id")
	issue(kyc("front_doc", "not base64", `Invalid image.*kyc.front_doc.*not base64`, `"front side, not base64"`))
	kyc("front_doc", "over 2 MB", `Invalid image.*kyc.front_doc.*2 MB`, `"`+strings.Repeat("QUJD", 700_000)+`"`)
	issue(kyc("back_doc", "not base64", `Invalid image.*kyc.back_doc.*not base64`, `"back side!"`))
	issue(kyc("doc_expire_date", "in the past", `Identity document expired.*kyc.doc_expire_date`, `"PAST"`))
	kyc("doc_expire_date", "malformed", `Invalid document expiry date.*kyc.doc_expire_date`, `"2031-1-1"`)
	kyc("doc_never_expires", "wrong type", wrongType, `"maybe"`).terraformQuotes = "kyc"
	issue(kyc("hand_held_id_photo", "not base64", `Invalid image.*kyc.hand_held_id_photo.*not base64`, `"not base64!"`))
	kyc("biometric", "not base64", `Invalid image.*kyc.biometric.*not base64`, `"#fingerprint#"`)
	kyc("photo", "not base64", `Invalid image.*kyc.photo.*(not base64|data: URL)`, `"data:image/png,rawbytes"`)
	kyc("sign_image", "not base64", `Invalid image.*kyc.sign_image.*not base64`, `"signed by hand"`)

	// cards_card_topup.
	tu := func(attr, what, want string, config func(*badInputFixtures) string) *badInput {
		return add("topup-and-data", "cards_card_topup."+attr, what, want, config)
	}
	tu("card_id", "empty", `card_id.*length must be at least 1`, topUp(lit(""), `"10"`, ""))
	tu("card_id", "unknown", `Card not found.*card_id`, topUp(lit(unknownID), `"10"`, ""))
	issue(tu("card_id", "a cancelled card", `Top-up onto a card that cannot be used.*card_id.*Cancelled`, topUp(cancelledCard, `"10"`, "")))
	tu("amount", "zero", `Invalid amount.*greater than 0`, topUp(activeCard, `"0"`, ""))
	tu("amount", "negative", `Invalid amount`, topUp(activeCard, `"-5"`, ""))
	tu("amount", "three decimal places", `Invalid amount`, topUp(activeCard, `"1.234"`, ""))
	tu("amount", "not a number", `Invalid amount`, topUp(activeCard, `"ten"`, ""))
	tu("amount", "wrong type", wrongType, topUp(activeCard, `["10"]`, ""))
	tu("amount", "over the single-recharge limit", `Amount over the single-recharge limit`, topUp(activeCard, `"6000"`, ""))
	tu("amount", "not covering the fee", `refused to estimate.*amount.*does not cover`, topUp(activeCard, `"0.50"`, ""))
	tu("max_fee", "malformed", `Invalid amount.*max_fee|max_fee.*decimal`, topUp(activeCard, `"10"`, `  max_fee = "a lot"`))
	tu("max_fee", "below the estimate", `Estimated fee exceeds max_fee`, topUp(activeCard, `"100"`, `  max_fee = "0.10"`))
	tu("timeouts.create", "malformed", `Invalid Attribute Value Time Duration`, topUp(activeCard, `"10"`, "  timeouts {\n    create = \"soon\"\n  }"))

	// Data sources.
	ds := func(typ, attr, what, want, body string) {
		add("topup-and-data", "data."+typ+"."+attr, what, want, dataSource(typ, body))
	}
	ds("cards_card", "card_id", "empty", `card_id.*length must be at least 1`, `  card_id = ""`)
	ds("cards_card", "card_id", "unknown", `No card .* exists|Card not found|card_id`, `  card_id = "`+unknownID+`"`)
	ds("cards_card_transactions", "card_id", "unknown", `No card .* exists|card_id`, `  card_id = "`+unknownID+`"`)
	ds("cards_card_transactions", "start_time", "malformed", `start_time.*RFC 3339`, "  card_id = \"x\"\n  start_time = \"yesterday\"")
	ds("cards_card_transactions", "end_time", "before start_time", `end_time`,
		"  card_id = \"x\"\n  start_time = \"2025-02-01T00:00:00Z\"\n  end_time = \"2025-01-01T00:00:00Z\"")
	ds("cards_card_transactions", "max_items", "zero", `max_items.*at least 1`, "  card_id = \"x\"\n  max_items = 0")
	ds("cards_countries", "iso2", "three letters", `Invalid country code.*iso2`, `  iso2 = "SGP"`)
	ds("cards_countries", "iso3", "two letters", `Invalid country code.*iso3`, `  iso3 = "SG"`)
	ds("cards_countries", "name", "empty", `name.*length must be at least 1`, `  name = ""`)
	ds("cards_program", "program_id", "empty", `program_id.*length must be between 1 and 36`, `  program_id = ""`)
	ds("cards_program", "program_id", "unknown", `program_id|Program not found|No program`, `  program_id = "`+unknownID+`"`)
	ds("cards_topup_fee", "card_id", "empty", `card_id.*length must be at least 1`, "  card_id = \"\"\n  amount = \"10\"")
	ds("cards_topup_fee", "card_id", "unknown", `card_id|No card`, "  card_id = \""+unknownID+"\"\n  amount = \"10\"")
	ds("cards_topup_fee", "amount", "zero", `Invalid amount`, "  card_id = \"x\"\n  amount = \"0\"")
	ds("cards_topup_fee", "amount", "not a number", `Invalid amount`, "  card_id = \"x\"\n  amount = \"ten\"")
	ds("cards_towns", "country_id", "empty", `country_id.*length must be at least 1`, `  country_id = ""`)
	ds("cards_transactions", "start_time", "malformed", `start_time.*RFC 3339`, `  start_time = "yesterday"`)
	ds("cards_transactions", "end_time", "before start_time", `end_time`,
		"  start_time = \"2025-02-01T00:00:00Z\"\n  end_time = \"2025-01-01T00:00:00Z\"")
	ds("cards_transactions", "max_items", "zero", `max_items.*at least 1`, `  max_items = 0`)

	// Ephemeral resources and import.
	eph := func(typ, what, want string, cardID func(*badInputFixtures) string) *badInput {
		return add("ephemeral-and-import", "ephemeral."+typ+".card_id", what, want, ephemeralOf(typ, cardID))
	}
	eph("cards_card_secrets", "unknown", `card_id|No card`, lit(unknownID))
	eph("cards_card_pin", "empty", `card_id.*length must be at least 1`, lit(""))
	eph("cards_card_pin", "unknown", `Cannot read the card's PIN.*No card`, lit(unknownID))
	issue(eph("cards_card_pin", "a cancelled card", `PIN of a cancelled card is not revealed.*card_id.*cancelled`, cancelledCard))
	imp := func(what, want string, id func(*badInputFixtures) string) *badInput {
		r := add("ephemeral-and-import", "import cards_card (id)", what, want, lit(card(sandbox.ProgramVirtual, "")))
		r.where, r.importID, r.importOf = atImport, id, "cards_card.bad"
		return r
	}
	issue(imp("a cancelled card", `Cannot import a cancelled card.*is cancelled; a cancelled card cannot be managed`, cancelledCard))
	imp("an unknown card", `Cannot import the card: card not found.*No card`, lit(unknownID))
	return rows
}

// badInputOutcome is what one row did.
type badInputOutcome struct {
	Group    string         `json:"group"`
	Attr     string         `json:"attribute"`
	What     string         `json:"input"`
	Issue    bool           `json:"issue_table_row,omitempty"`
	Refused  string         `json:"refused_at,omitempty"` // plan, import, apply; "" when accepted
	NamedBy  string         `json:"attribute_named_by,omitempty"`
	Sent     map[string]int `json:"mutating_requests_sent,omitempty"`
	Problems []string       `json:"problems,omitempty"`
}

// diagRecorder collects the error diagnostics the provider returns, with the RPC.
type diagRecorder struct {
	mu    sync.Mutex
	diags []recordedDiag
}

type recordedDiag struct {
	rpc, summary, detail, attr string
}

func (r *diagRecorder) add(rpc string, diags []*tfprotov6.Diagnostic) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range diags {
		if d == nil || d.Severity != tfprotov6.DiagnosticSeverityError {
			continue
		}
		r.diags = append(r.diags, recordedDiag{rpc: rpc, summary: d.Summary, detail: d.Detail, attr: attributePathString(d.Attribute)})
	}
}

func (r *diagRecorder) since(mark int) []recordedDiag {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recordedDiag(nil), r.diags[mark:]...)
}

func (r *diagRecorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.diags)
}

func attributePathString(p *tftypes.AttributePath) string {
	if p == nil {
		return ""
	}
	var parts []string
	for _, step := range p.Steps() {
		if name, ok := step.(tftypes.AttributeName); ok {
			parts = append(parts, string(name))
		}
	}
	return strings.Join(parts, ".")
}

// recordingServer is the provider server with every error diagnostic recorded.
type recordingServer struct {
	tfprotov6.ProviderServer
	rec *diagRecorder
}

func (s recordingServer) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	resp, err := s.ProviderServer.ValidateProviderConfig(ctx, req)
	if resp != nil {
		s.rec.add("ValidateProviderConfig", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	resp, err := s.ProviderServer.ConfigureProvider(ctx, req)
	if resp != nil {
		s.rec.add("ConfigureProvider", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	resp, err := s.ProviderServer.ValidateResourceConfig(ctx, req)
	if resp != nil {
		s.rec.add("ValidateResourceConfig", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	resp, err := s.ProviderServer.ValidateDataResourceConfig(ctx, req)
	if resp != nil {
		s.rec.add("ValidateDataResourceConfig", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	resp, err := s.ProviderServer.ValidateEphemeralResourceConfig(ctx, req)
	if resp != nil {
		s.rec.add("ValidateEphemeralResourceConfig", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		s.rec.add("PlanResourceChange", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	resp, err := s.ProviderServer.ReadDataSource(ctx, req)
	if resp != nil {
		s.rec.add("ReadDataSource", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	resp, err := s.ProviderServer.OpenEphemeralResource(ctx, req)
	if resp != nil {
		s.rec.add("OpenEphemeralResource", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	resp, err := s.ProviderServer.ImportResourceState(ctx, req)
	if resp != nil {
		s.rec.add("ImportResourceState", resp.Diagnostics)
	}
	return resp, err
}

func (s recordingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	if resp != nil {
		s.rec.add("ApplyResourceChange", resp.Diagnostics)
	}
	return resp, err
}

// rpcPhase is where an RPC's refusal stops the user.
func rpcPhase(rpc string) string {
	switch rpc {
	case "ImportResourceState":
		return atImport
	case "ApplyResourceChange":
		return atApply
	}
	return atPlan
}

// terraformText is Terraform's error output with its wrapping undone.
var boxAndSpace = regexp.MustCompile(`[\s│]+`)

func terraformText(err error) string { return boxAndSpace.ReplaceAllString(err.Error(), " ") }

// judge decides the outcome of one row from Terraform's error, the provider's diagnostics and
// the sandbox's counters.
func (row badInput) judge(stepErr error, diags []recordedDiag, sent map[string]int) badInputOutcome {
	out := badInputOutcome{Group: row.group, Attr: row.attr, What: row.what, Issue: row.issue, Sent: sent}
	problem := func(format string, args ...any) { out.Problems = append(out.Problems, fmt.Sprintf(format, args...)) }
	for op, n := range sent {
		problem("the sandbox received %d %s request(s)", n, op)
	}
	if stepErr == nil {
		problem("accepted: the plan went through")
		return out
	}
	text := terraformText(stepErr)
	out.Refused = row.where
	for _, d := range diags {
		if phase := rpcPhase(d.rpc); phase != atPlan {
			out.Refused = phase
		}
	}
	if out.Refused != row.where {
		problem("refused at %s, want %s", out.Refused, row.where)
	}
	if !regexp.MustCompile(`(?s)` + row.want).MatchString(text) {
		problem("the error does not match %q:\n%s", row.want, text)
	}
	// (b): the provider's message names the attribute (its dotted name or its last part); or,
	// when Terraform refused the value itself, Terraform's message quotes it. An import names
	// the card it refuses.
	name := row.attr
	for _, prefix := range []string{"provider.", "cards_card_topup.", "data.", "ephemeral."} {
		name = strings.TrimPrefix(name, prefix)
	}
	if strings.HasPrefix(row.attr, "data.") || strings.HasPrefix(row.attr, "ephemeral.") {
		name = name[strings.Index(name, ".")+1:] // drop the type
	}
	leaf := name[strings.LastIndex(name, ".")+1:]
	names := regexp.MustCompile(`\b(` + regexp.QuoteMeta(name) + `|` + regexp.QuoteMeta(leaf) + `)\b`)
	if row.importID != nil {
		names = regexp.MustCompile(`[Cc]ard`)
	}
	switch {
	case len(diags) == 0 && row.terraformQuotes != "" && strings.Contains(text, `"`+row.terraformQuotes+`"`):
		out.NamedBy = "terraform's message, the enclosing attribute"
	case len(diags) == 0 && row.terraformQuotes == "" && strings.Contains(text, `"`+leaf+`"`):
		out.NamedBy = "terraform's message"
	case len(diags) == 0:
		problem("Terraform's error does not quote %q:\n%s", leaf, text)
	default:
		for _, d := range diags {
			if names.MatchString(d.summary + " " + d.detail) {
				out.NamedBy = "message text"
				break
			}
		}
		for _, d := range diags {
			if out.NamedBy == "" && d.attr == name {
				// The message is the platform's or a library's; the diagnostic is on the
				// attribute, and Terraform shows that attribute's line with it.
				out.NamedBy = "attribute path"
			}
		}
		if out.NamedBy == "" {
			problem("no diagnostic names %s: %+v", row.attr, diags)
		}
	}
	return out
}

// The whole table, its groups in parallel.
func TestAccBadInput_refusedBeforeAnythingIsSent(t *testing.T) {
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("acceptance test: set %s", resource.EnvTfAcc)
	}
	if accExternal() {
		t.Skip("external API: counts requests and forces a card into Cancelled (needs the in-process sandbox's controls)")
	}
	rows := badInputRows()
	start := time.Now()
	var mu sync.Mutex
	var outcomes []badInputOutcome
	skipped := 0 // rows of groups this CLI cannot run (write-only arguments, ephemeral resources)
	t.Run("groups", func(t *testing.T) {
		for _, g := range badInputGroups {
			var groupRows []badInput
			for _, r := range rows {
				if r.group == g.name {
					groupRows = append(groupRows, r)
				}
			}
			t.Run(g.name, func(t *testing.T) {
				t.Parallel()
				runBadInputGroup(t, g.min, groupRows, func(got []badInputOutcome) {
					mu.Lock()
					defer mu.Unlock()
					outcomes = append(outcomes, got...)
					if t.Skipped() {
						skipped += len(groupRows) - len(got)
					}
				})
			})
		}
	})
	counts := map[string]int{"tried": len(rows) - skipped, "skipped_by_this_terraform": skipped}
	for _, o := range outcomes {
		switch o.Refused {
		case "":
			counts["accepted_wrongly"]++
		case atPlan:
			counts["refused_at_plan"]++
		default:
			counts["refused_at_import_or_apply"]++
		}
		if len(o.Problems) > 0 {
			counts["failed_checks"]++
		}
		if o.Issue {
			counts["issue_table_rows"]++
		}
		if o.NamedBy != "" {
			counts["attribute_named_by_"+strings.NewReplacer("'", "", ",", "", " ", "_").Replace(o.NamedBy)]++
		}
	}
	counts["not_run"] = len(rows) - skipped - len(outcomes)
	for _, k := range []string{"accepted_wrongly", "refused_at_plan", "refused_at_import_or_apply", "failed_checks"} {
		counts[k] += 0 // present in the file even when zero
	}
	t.Logf("bad inputs: tried %d, refused at plan %d, refused at import/apply %d, accepted wrongly %d "+
		"(failed checks %d, not run %d, skipped by this Terraform %d; %d rows of the issue's table) in %s",
		counts["tried"], counts["refused_at_plan"], counts["refused_at_import_or_apply"], counts["accepted_wrongly"],
		counts["failed_checks"], counts["not_run"], skipped, counts["issue_table_rows"], time.Since(start).Round(time.Second))
	sort.SliceStable(outcomes, func(i, j int) bool { return outcomes[i].Group < outcomes[j].Group })
	writeBadInputCounts(t, counts, outcomes)
	if counts["accepted_wrongly"] != 0 || counts["failed_checks"] != 0 || counts["not_run"] != 0 {
		t.Errorf("every bad input must be refused where expected, naming its attribute, with nothing sent")
	}
}

// runBadInputGroup runs rows as the steps of one plan-only TestCase against a sandbox of its
// own, judges each row when the next begins (and the last at the end), and reports the
// outcomes, also when the TestCase stops or is skipped.
func runBadInputGroup(t *testing.T, minVersion *version.Version, rows []badInput, report func([]badInputOutcome)) {
	var outcomes []badInputOutcome
	defer func() { report(outcomes) }()
	sb := startTestSandbox(t)
	fx := &badInputFixtures{sb: sb, providerURL: sb.URL}
	fx.keyFile = filepath.Join(t.TempDir(), "key.pem")
	writeFile(t, fx.keyFile, sb.KeyPEM)
	fx.activeCard = sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
	fx.cancelled = sb.issueCard(t, sandbox.ProgramVirtual, sandbox.CardStatusActive)
	if err := sb.ForceCardStatus(fx.cancelled, sandbox.CardStatusCancelled); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	dates := strings.NewReplacer(`"FUTURE"`, fmt.Sprintf("%q", now.AddDate(1, 0, 0).Format(time.DateOnly)),
		`"LONGAGO"`, fmt.Sprintf("%q", now.AddDate(-130, 0, 0).Format(time.DateOnly)),
		`"PAST"`, fmt.Sprintf("%q", now.AddDate(0, 0, -1).Format(time.DateOnly)))
	sb.ResetCounters()

	rec := &diagRecorder{}
	factory := providerserver.NewProtocol6WithError(&CardsProvider{version: "test", pollInitial: testAccPollInitial, journalDir: t.TempDir()})
	providers := map[string]func() (tfprotov6.ProviderServer, error){
		"cards": func() (tfprotov6.ProviderServer, error) {
			s, err := factory()
			return recordingServer{ProviderServer: s, rec: rec}, err
		},
	}

	current, mark := -1, 0
	var stepErr error
	counters := map[string]int{}
	finish := func() {
		if current < 0 {
			return
		}
		now := sb.Counters()
		sent := map[string]int{}
		for _, op := range mutatingOperations {
			if n := now[op] - counters[op]; n > 0 {
				sent[op] = n
			}
		}
		o := rows[current].judge(stepErr, rec.since(mark), sent)
		for _, p := range o.Problems {
			t.Errorf("%s %s: %s", o.Attr, o.What, p)
		}
		outcomes = append(outcomes, o)
		current, stepErr = -1, nil
	}
	begin := func(i int) func() {
		return func() {
			finish()
			current, mark, counters = i, rec.mark(), sb.Counters()
		}
	}
	steps := make([]resource.TestStep, 0, len(rows))
	for i, row := range rows {
		config := dates.Replace(row.config(fx))
		if !row.ownProvider {
			config = sb.ProviderConfig + config
		}
		step := resource.TestStep{PreConfig: begin(i), Config: config, PlanOnly: true, ExpectNonEmptyPlan: true}
		if row.importID != nil {
			step = resource.TestStep{PreConfig: begin(i), Config: config, ResourceName: row.importOf,
				ImportState: true, ImportStateId: row.importID(fx)}
		}
		steps = append(steps, step)
	}
	tc := resource.TestCase{
		ProtoV6ProviderFactories: providers,
		ErrorCheck: func(err error) error {
			stepErr = err
			return nil // judged by finish
		},
		Steps: steps,
	}
	if minVersion != nil {
		tc.TerraformVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(minVersion)}
	}
	defer finish() // runs before report: the last row
	resource.Test(t, tc)
}

func writeBadInputCounts(t *testing.T, counts map[string]int, outcomes []badInputOutcome) {
	t.Helper()
	dir := filepath.Join("..", "..", ".tmp")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Errorf("writing the counts: %v", err)
		return
	}
	data, err := json.MarshalIndent(map[string]any{"counts": counts, "cases": outcomes}, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "bad-input-counts.json"), append(data, '\n'), 0o644)
	}
	if err != nil {
		t.Errorf("writing the counts: %v", err)
	}
}
