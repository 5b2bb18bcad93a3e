package provider

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

// The KYC table is the one list of KYC fields: every field a program can require has an
// attribute, names are unique, and every attribute set in the configuration reaches the wire
// under its own name with its own value.
func TestKYCTable(t *testing.T) {
	byWire := map[string]kycField{}
	attrs := map[string]bool{}
	for _, f := range kycFields {
		if _, dup := byWire[f.wire]; dup || attrs[f.attr] {
			t.Errorf("kyc.%s / %s appears twice", f.attr, f.wire)
		}
		byWire[f.wire], attrs[f.attr] = f, true
		if f.kind == kycString && f.put == nil {
			t.Errorf("kyc.%s has nowhere to go in the request", f.attr)
		}
	}
	for _, wire := range cardsapi.KYCRequirementFields() {
		if _, ok := byWire[wire]; !ok {
			t.Errorf("programs can require %q, and no kyc attribute sets it", wire)
		}
	}

	// Every attribute set at once, each with its own value.
	values := map[string]attr.Value{}
	objectTypes := map[string]attr.Type{}
	want := map[string]any{}
	for i, f := range kycFields {
		switch f.kind {
		case kycInt:
			values[f.attr], objectTypes[f.attr] = types.Int64Value(7), types.Int64Type
			want[f.wire] = float64(7)
		case kycBool:
			values[f.attr], objectTypes[f.attr] = types.BoolValue(true), types.BoolType
			want[f.wire] = float64(1)
		default:
			v := fmt.Sprintf("value-%d", i)
			if f.attr == "gender" {
				v, want[f.wire] = "female", float64(2)
			} else {
				want[f.wire] = v
			}
			values[f.attr], objectTypes[f.attr] = types.StringValue(v), types.StringType
		}
	}
	obj, diags := types.ObjectValue(objectTypes, values)
	if diags.HasError() {
		t.Fatal(diags)
	}
	kyc, set := kycFromConfig(obj)
	if len(set) != len(kycFields) {
		t.Errorf("%d fields counted as set, want %d", len(set), len(kycFields))
	}
	data, err := json.Marshal(kyc)
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]any
	if err := json.Unmarshal(data, &wire); err != nil {
		t.Fatal(err)
	}
	for name, v := range want {
		if wire[name] != v {
			t.Errorf("wire field %q = %v, want %v (from kyc.%s)", name, wire[name], v, byWire[name].attr)
		}
	}
	if len(wire) != len(want) {
		t.Errorf("the request has %d KYC fields, the table %d: %s", len(wire), len(want), data)
	}

	if kyc, set := kycFromConfig(types.ObjectNull(objectTypes)); kyc != nil || len(set) != 0 {
		t.Errorf("a null kyc gives %+v, %v", kyc, set)
	}
}
