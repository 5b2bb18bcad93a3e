package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ ephemeral.EphemeralResource              = (*cardPinEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*cardPinEphemeralResource)(nil)
)

// NewCardPinEphemeralResource is the cards_card_pin ephemeral resource.
func NewCardPinEphemeralResource() ephemeral.EphemeralResource {
	return &cardPinEphemeralResource{}
}

type cardPinEphemeralResource struct{ clientHolder }

type cardPinModel struct {
	CardID types.String `tfsdk:"card_id"`
	PIN    types.String `tfsdk:"pin"`
}

func (e *cardPinEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_card_pin"
}

func (e *cardPinEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The current PIN of a card, read with `PinDetails` (Terraform 1.10 or later). Ephemeral: never written " +
			"to plan or state. Rotate the PIN with `cards_card.pin_version`.",
		Attributes: map[string]schema.Attribute{
			"card_id": schema.StringAttribute{
				MarkdownDescription: "The card's id (`cards_card.<name>.id`).",
				Required:            true,
			},
			"pin": schema.StringAttribute{
				MarkdownDescription: "The card's PIN.",
				Computed:            true,
				Sensitive:           true,
			},
		},
	}
}

func (e *cardPinEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var data cardPinModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	pin, err := e.client.PinDetails(ctx, data.CardID.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathCardID, "Cannot read the card's PIN", cardLookupError(data.CardID.ValueString(), err))
		return
	}
	data.PIN = types.StringValue(pin.PIN)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &data)...)
}
