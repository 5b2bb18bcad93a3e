package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// A rejected card number or KYC value is never repeated in the diagnostic.
func TestPrivateValueValidatorDoesNotEchoValue(t *testing.T) {
	v := cardNumberValidator
	const typed = "4111 1111 1111 1111"
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{
		Path:        path.Root("binding").AtName("card_number"),
		ConfigValue: types.StringValue(typed),
	}, resp)
	if !resp.Diagnostics.HasError() {
		t.Fatal("a card number with spaces was accepted")
	}
	for _, d := range resp.Diagnostics {
		text := d.Summary() + d.Detail()
		if strings.Contains(text, "4111") {
			t.Fatalf("diagnostic repeats the value: %q", text)
		}
		if !strings.Contains(text, "binding.card_number") || !strings.Contains(text, "12 to 19 digits") {
			t.Fatalf("diagnostic does not name the attribute and the rule: %q", text)
		}
	}

	resp = &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{
		Path: path.Root("binding").AtName("card_number"), ConfigValue: types.StringValue("4111111111111111"),
	}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("a valid card number was rejected: %v", resp.Diagnostics)
	}
}

func TestPinRotationPlanned(t *testing.T) {
	version := func(v int64) cardResourceModel { return cardResourceModel{PinVersion: types.Int64Value(v)} }
	unset := cardResourceModel{PinVersion: types.Int64Null()}
	cases := []struct {
		name        string
		state, plan cardResourceModel
		imported    bool
		want        bool
	}{
		{"bumped", version(1), version(2), false, true},
		{"unchanged", version(2), version(2), false, false},
		{"set for the first time", unset, version(1), false, true},
		{"removed", version(1), unset, false, false},
		{"first apply after import", unset, version(3), true, false},
		{"bumped after an import was adopted", version(3), version(4), true, true},
	}
	for _, tc := range cases {
		if got := pinRotationPlanned(tc.state, tc.plan, tc.imported); got != tc.want {
			t.Errorf("%s: pinRotationPlanned = %t, want %t", tc.name, got, tc.want)
		}
	}
}

func TestIsCardNumber(t *testing.T) {
	for number, want := range map[string]bool{
		"4111111111111111":     true,  // the classic test Visa number
		"5555555555554444":     true,  // test Mastercard
		"4111111111111112":     false, // one digit off: fails Luhn
		"411111111111":         false, // 12 digits, fails Luhn
		"4111 1111 1111 1111":  false, // spaces
		"41111111111111111111": false, // 20 digits
	} {
		if got := isCardNumber(number); got != want {
			t.Errorf("isCardNumber(%s...) = %t, want %t", number[:4], got, want)
		}
	}
}
