package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ ephemeral.EphemeralResource              = (*cardSecretsEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*cardSecretsEphemeralResource)(nil)
)

// NewCardSecretsEphemeralResource is the cards_card_secrets ephemeral resource.
func NewCardSecretsEphemeralResource() ephemeral.EphemeralResource {
	return &cardSecretsEphemeralResource{}
}

type cardSecretsEphemeralResource struct{ clientHolder }

type cardSecretsModel struct {
	CardID         types.String `tfsdk:"card_id"`
	CardNumber     types.String `tfsdk:"card_number"`
	CVV            types.String `tfsdk:"cvv"`
	ExpirationDate types.String `tfsdk:"expiration_date"`
}

func (e *cardSecretsEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_card_secrets"
}

func (e *cardSecretsEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The full card number, CVV and expiry of a card, read with `CardDetails` when Terraform needs them " +
			"(Terraform 1.10 or later). Ephemeral: the values are never written to plan or state; pass them to write-only " +
			"arguments or other ephemeral contexts.",
		Attributes: map[string]schema.Attribute{
			"card_id": schema.StringAttribute{
				MarkdownDescription: "The card's id (`cards_card.<name>.id`).",
				Required:            true,
			},
			"card_number": schema.StringAttribute{
				MarkdownDescription: "The full card number.",
				Computed:            true,
				Sensitive:           true,
			},
			"cvv": schema.StringAttribute{
				MarkdownDescription: "The card verification value.",
				Computed:            true,
				Sensitive:           true,
			},
			"expiration_date": schema.StringAttribute{
				MarkdownDescription: "The expiration date as the platform reports it.",
				Computed:            true,
			},
		},
	}
}

func (e *cardSecretsEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var data cardSecretsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	details, err := e.client.CardDetails(ctx, data.CardID.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathCardID, "Cannot read the card's details", cardLookupError(data.CardID.ValueString(), err))
		return
	}
	data.CardNumber = types.StringValue(string(details.CardNumber))
	data.CVV = types.StringValue(string(details.CVV))
	data.ExpirationDate = types.StringValue(string(details.ExpirationDate))
	resp.Diagnostics.Append(resp.Result.Set(ctx, &data)...)
}
