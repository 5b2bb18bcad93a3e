package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/shopspring/decimal"
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
	if err := checkBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid base_url", err.Error()+".")
	}
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
			fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
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
			fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
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
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid value",
		fmt.Sprintf("%s %s (the value is not repeated here because it is personal or card data).", req.Path, v.expect))
}
