package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/shopspring/decimal"
)

// moneyPlaces is how many decimal places computed amounts are written with ("100" → "100.00").
const moneyPlaces = 2

// formatMoney writes an exact amount in its canonical form: two decimal places, no exponent,
// so that "0.1" + "0.2" is "0.30" and equal amounts always compare equal as strings.
func formatMoney(d decimal.Decimal) string { return d.StringFixed(moneyPlaces) }

// moneyValue is formatMoney as a Terraform string.
func moneyValue(d decimal.Decimal) types.String { return types.StringValue(formatMoney(d)) }

// sameAmount reports whether two amount strings are the same amount ("100" and "100.00").
// Strings that do not parse are compared as text.
func sameAmount(a, b string) bool {
	da, errA := decimal.NewFromString(a)
	db, errB := decimal.NewFromString(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return da.Equal(db)
}
