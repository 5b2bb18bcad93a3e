package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
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
			"to plan or state. Rotate the PIN with `cards_card.pin_version`.\n\n" +
			"The card's status is read first (`CardDetails`). The PIN of a **cancelled** card is **not revealed**: opening this " +
			"ephemeral resource on one fails with an error naming the card, and `PinDetails` is not called. A cancelled card can " +
			"never be used again, so its PIN is of no use, and revealing it would only expose it. A card that does not exist " +
			"is an error too, and a card not yet active has no PIN (the platform refuses).",
		Attributes: map[string]schema.Attribute{
			"card_id": schema.StringAttribute{
				MarkdownDescription: "The card's id (`cards_card.<name>.id`); not empty. A cancelled card is refused.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
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
	if !checkPINCard(ctx, e.client, data.CardID.ValueString(), &resp.Diagnostics) {
		return // a cancelled card's PIN is not read
	}
	pin, err := e.client.PinDetails(ctx, data.CardID.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathCardID, "Cannot read the card's PIN", cardLookupError(data.CardID.ValueString(), err))
		return
	}
	data.PIN = types.StringValue(string(pin.PIN))
	resp.Diagnostics.Append(resp.Result.Set(ctx, &data)...)
}
