package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// statusMapAttribute is the provider setting that maps the platform's names of card or top-up
// statuses onto the lifecycle statuses the provider knows (docs/index.md, "Status names");
// example is a valid value of it.
func statusMapAttribute(what string, statuses []string, example string) schema.MapAttribute {
	return schema.MapAttribute{
		MarkdownDescription: fmt.Sprintf("Maps the platform's names of %s statuses onto the ones the provider knows "+
			"(%s), without case, e.g. `%s`. The vendor's documentation does not list these names; "+
			"set this when the platform uses others, as an error naming the status will tell you.",
			what, "`"+strings.Join(statuses, "`, `")+"`", example),
		Optional:    true,
		ElementType: types.StringType,
		Validators: []validator.Map{
			mapvalidator.KeysAre(stringvalidator.LengthAtLeast(1)),
			mapvalidator.ValueStringsAre(stringvalidator.OneOfCaseInsensitive(statuses...)),
		},
	}
}

// stringMap reads an optional map of strings (nil when null).
func stringMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	out := map[string]string{}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}
