package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

// baseURLValidator checks base_url at plan time when it is known.
type baseURLValidator struct{}

func (baseURLValidator) Description(context.Context) string {
	return "must be an absolute https URL (http only for loopback hosts)"
}

func (v baseURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (baseURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := cardsapi.CheckBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid base_url", err.Error()+".")
	}
}

// credentialValidator judges a credential attribute at plan time without ever repeating its
// value. An empty (or blank) string is refused rather than used: it would silently win over
// the environment variables the attribute falls back to (for an optional credential only when
// one of them is set, since then the empty string hides it).
type credentialValidator struct {
	envs           []string // the environment variables the attribute overrides
	required       bool     // the provider cannot work without a value
	noControlChars bool     // the value goes into an HTTP header
}

func (v credentialValidator) Description(context.Context) string {
	return "must not be an empty string (leave the attribute out to use " + strings.Join(v.envs, " or ") + ")"
}

func (v credentialValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v credentialValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.Path.String()
	value := req.ConfigValue.ValueString()
	switch {
	case strings.TrimSpace(value) == "":
		if v.required || len(setEnvs(v.envs)) > 0 {
			resp.Diagnostics.AddAttributeError(req.Path, "Empty "+name, emptyCredentialProblem(name, v.required, v.envs...))
		}
	case v.noControlChars && strings.ContainsFunc(value, unicode.IsControl):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+name, name+" "+controlCharsProblem)
	}
}

// controlCharsProblem completes "<where the token came from> ..." (the value is not shown).
const controlCharsProblem = "contains a control character, such as a trailing newline: a token goes into an HTTP header, " +
	"which cannot carry one. If it is read from a file, use trimspace(file(...)). (The value is not repeated here.)"

// emptyCredentialProblem explains an attribute set to an empty string: it overrides envs.
func emptyCredentialProblem(attr string, required bool, envs ...string) string {
	set := setEnvs(envs)
	them, it := "the "+envs[0]+" environment variable", envs[0]
	if len(envs) > 1 {
		them, it = "the "+strings.Join(envs, " and ")+" environment variables", "them"
	}
	msg := fmt.Sprintf("%s is set to an empty string (perhaps from a variable that is empty), and an attribute set in the "+
		"provider block overrides %s, even with an empty value. ", attr, them)
	if len(set) > 0 {
		msg += fmt.Sprintf("%s is set in this environment but is not used. ", strings.Join(set, " and "))
	}
	msg += fmt.Sprintf("Remove %s from the provider block to use %s, or set it to a value.", attr, it)
	if !required {
		msg += fmt.Sprintf(" (Left out with no environment variable set, no %s is sent.)", attr)
	}
	return msg
}

// setEnvs are the environment variables of envs that have a value.
func setEnvs(envs []string) []string {
	var set []string
	for _, env := range envs {
		if os.Getenv(env) != "" {
			set = append(set, env)
		}
	}
	return set
}

// countryCodeValidator checks an ISO 3166-1 filter: exactly n ASCII letters, any case. A code of
// the other length is named as such, since iso2 = "SGP" would otherwise match no country.
type countryCodeValidator struct{ letters int }

func (v countryCodeValidator) Description(context.Context) string {
	if v.letters == 2 {
		return `must be an ISO 3166-1 alpha-2 code: exactly two letters, such as "SG"`
	}
	return `must be an ISO 3166-1 alpha-3 code: exactly three letters, such as "SGP"`
}

func (v countryCodeValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v countryCodeValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	if isLetters(value, v.letters) {
		return
	}
	detail := fmt.Sprintf("%s %s; got %q.", req.Path, v.Description(ctx), value)
	switch {
	case v.letters == 2 && isLetters(value, 3):
		detail += fmt.Sprintf(" That is an alpha-3 code: filter with iso3 = %q instead.", value)
	case v.letters == 3 && isLetters(value, 2):
		detail += fmt.Sprintf(" That is an alpha-2 code: filter with iso2 = %q instead.", value)
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid country code", detail)
}

// isLetters reports whether s is exactly n ASCII letters.
func isLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// durationValidator checks a Go duration string such as "30s".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "must be a positive Go duration such as 30s or 2m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%s %s; got %q.", req.Path, v.Description(ctx), req.ConfigValue.ValueString()))
	}
}

// moneyPattern is a positive or zero decimal with at most two places, no sign, no exponent.
var moneyPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)

// parseMoney parses a decimal amount with up to two places.
func parseMoney(s string) (decimal.Decimal, error) {
	if !moneyPattern.MatchString(s) {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal amount with at most 2 places, such as \"100\" or \"12.50\"", s)
	}
	return decimal.NewFromString(s)
}

// moneyValidator checks an amount string at plan time; positive requires > 0.
type moneyValidator struct{ positive bool }

func (v moneyValidator) Description(context.Context) string {
	if v.positive {
		return "must be a decimal amount greater than 0 with at most 2 places, such as \"100\" or \"12.50\""
	}
	return "must be a decimal amount with at most 2 places, such as \"5\" or \"1.50\""
}

func (v moneyValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v moneyValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	amount, err := parseMoney(req.ConfigValue.ValueString())
	if err != nil || (v.positive && !amount.IsPositive()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid amount",
			fmt.Sprintf("%s %s; got %q.", req.Path, v.Description(ctx), req.ConfigValue.ValueString()))
	}
}

// privateValueValidator checks a personal or card value without repeating the value in the
// diagnostic: plan errors end up in CI logs.
type privateValueValidator struct {
	valid  func(string) bool
	expect string // e.g. "must be a date written yyyy-MM-dd"
}

func matchesPrivately(pattern, expect string) privateValueValidator {
	return privateValueValidator{valid: regexp.MustCompile(pattern).MatchString, expect: expect}
}

// cardNumberValidator accepts what a printed card number can be: 12 to 19 digits passing the
// Luhn check, so a typo fails at plan time instead of leaving a card waiting for its binding.
var cardNumberValidator = privateValueValidator{
	valid:  isCardNumber,
	expect: "must be the card number: 12 to 19 digits, no spaces, passing the Luhn check",
}

func isCardNumber(s string) bool {
	if len(s) < 12 || len(s) > 19 {
		return false
	}
	sum := 0
	for i := range len(s) {
		c := s[len(s)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func (v privateValueValidator) Description(context.Context) string { return v.expect }

func (v privateValueValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v privateValueValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || v.valid(req.ConfigValue.ValueString()) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(),
		fmt.Sprintf("%s %s (the value is not repeated here because it is personal or card data).", req.Path, v.expect))
}
