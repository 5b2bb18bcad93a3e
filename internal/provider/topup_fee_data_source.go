package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

var (
	_ datasource.DataSource              = (*topUpFeeDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*topUpFeeDataSource)(nil)
)

// NewTopUpFeeDataSource is the cards_topup_fee data source.
func NewTopUpFeeDataSource() datasource.DataSource { return &topUpFeeDataSource{} }

type topUpFeeDataSource struct{ dataSourceClient }

type topUpFeeDataSourceModel struct {
	CardID        types.String `tfsdk:"card_id"`
	Amount        types.String `tfsdk:"amount"`
	Fee           types.String `tfsdk:"fee"`
	ReceiveAmount types.String `tfsdk:"receive_amount"`
}

func (d *topUpFeeDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_topup_fee"
}

func (d *topUpFeeDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "What a top-up would cost (`EstimateCardTopUpFee`), without moving any money.",
		Attributes: map[string]schema.Attribute{
			"card_id": schema.StringAttribute{
				MarkdownDescription: "The card that would be loaded. An unknown card is an error.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"amount": schema.StringAttribute{
				MarkdownDescription: "The amount that would be loaded: a decimal string greater than 0 with at most 2 places, such as `\"100\"`.",
				Required:            true,
				Validators:          []validator.String{moneyValidator{positive: true}},
			},
			"fee": schema.StringAttribute{
				MarkdownDescription: "The estimated fee, an exact decimal with two places, e.g. `\"1.50\"`.",
				Computed:            true,
			},
			"receive_amount": schema.StringAttribute{
				MarkdownDescription: "What the card would receive (amount minus fee), an exact decimal with two places.",
				Computed:            true,
			},
		},
	}
}

func (d *topUpFeeDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data topUpFeeDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cardID := data.CardID.ValueString()
	amount, err := parseMoney(data.Amount.ValueString())
	if err != nil || !amount.IsPositive() {
		resp.Diagnostics.AddAttributeError(path.Root("amount"), "Invalid amount",
			fmt.Sprintf("%q %s.", data.Amount.ValueString(), moneyValidator{positive: true}.Description(ctx)))
		return
	}
	estimate, err := d.client.EstimateTopUpFee(ctx, cardID, amount)
	if err != nil {
		switch {
		case cardsapi.IsNotFound(err):
			resp.Diagnostics.AddAttributeError(pathCardID, "Card not found", cardLookupError(cardID, err))
		case cardsapi.IsRefused(err):
			resp.Diagnostics.AddAttributeError(path.Root("amount"), "The platform refused to estimate the top-up",
				fmt.Sprintf("Topping up card %s with %s: %s.", cardID, formatMoney(amount), refusalReason(err)))
		default:
			resp.Diagnostics.AddError("Cannot estimate the top-up fee", fmt.Sprintf("Card %s, amount %s: %s", cardID, formatMoney(amount), err))
		}
		return
	}
	data.Fee = moneyValue(estimate.Fee)
	data.ReceiveAmount = moneyValue(estimate.ReceiveAmount)
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}
