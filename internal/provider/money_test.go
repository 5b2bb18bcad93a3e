package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/shopspring/decimal"
)

func TestFormatMoney_exactDecimals(t *testing.T) {
	a, err := parseMoney("0.10")
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseMoney("0.20")
	if err != nil {
		t.Fatal(err)
	}
	if got := formatMoney(a.Add(b)); got != "0.30" {
		t.Fatalf(`"0.10" + "0.20" = %q, want "0.30"`, got)
	}
	// Ten cents added a thousand times is exactly 100.00 (a float64 would drift).
	sum := decimal.Zero
	for range 1000 {
		sum = sum.Add(a)
	}
	if got := formatMoney(sum); got != "100.00" {
		t.Fatalf("1000 × 0.10 = %q, want 100.00", got)
	}
	for in, want := range map[string]string{
		"100": "100.00", "150.5": "150.50", "0.01": "0.01", "12.2900": "12.29", "5000": "5000.00", "0": "0.00",
		"99999999999999.99": "99999999999999.99",
	} {
		if got := formatMoney(decimal.RequireFromString(in)); got != want {
			t.Errorf("formatMoney(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestSameAmount(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"100", "100.00", true},
		{"150.5", "150.50", true},
		{"0.1", "0.10", true},
		{"100", "100.01", false},
		{"20", "150.5", false},
		{"", "", true},
		{"abc", "abc", true},
		{"abc", "100", false},
	} {
		if got := sameAmount(c.a, c.b); got != c.want {
			t.Errorf("sameAmount(%q, %q) = %t, want %t", c.a, c.b, got, c.want)
		}
	}
}

func TestTopUpReplaced(t *testing.T) {
	state := cardTopUpResourceModel{CardID: types.StringValue("card-1"), Amount: types.StringValue("100")}
	cases := []struct {
		name   string
		plan   cardTopUpResourceModel
		expect bool
	}{
		{"same", cardTopUpResourceModel{CardID: types.StringValue("card-1"), Amount: types.StringValue("100")}, false},
		{"same amount written differently", cardTopUpResourceModel{CardID: types.StringValue("CARD-1"), Amount: types.StringValue("100.00")}, false},
		{"new amount", cardTopUpResourceModel{CardID: types.StringValue("card-1"), Amount: types.StringValue("120")}, true},
		{"new card", cardTopUpResourceModel{CardID: types.StringValue("card-2"), Amount: types.StringValue("100")}, true},
		{"card not known yet", cardTopUpResourceModel{CardID: types.StringUnknown(), Amount: types.StringValue("100")}, true},
	}
	for _, tc := range cases {
		if got := topUpReplaced(state, tc.plan); got != tc.expect {
			t.Errorf("%s: topUpReplaced = %t, want %t", tc.name, got, tc.expect)
		}
	}
}
