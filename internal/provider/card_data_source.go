package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*cardDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*cardDataSource)(nil)
)

// NewCardDataSource is the cards_card data source.
func NewCardDataSource() datasource.DataSource { return &cardDataSource{} }

type cardDataSource struct{ dataSourceClient }

// cardDataSourceModel holds what may be stored of a card: never its full number or CVV.
type cardDataSourceModel struct {
	CardID           types.String `tfsdk:"card_id"`
	Status           types.String `tfsdk:"status"`
	CardLast4        types.String `tfsdk:"card_last4"`
	ExpirationDate   types.String `tfsdk:"expiration_date"`
	Currency         types.String `tfsdk:"currency"`
	CardType         types.String `tfsdk:"card_type"`
	AvailableBalance types.String `tfsdk:"available_balance"`
	CurrentBalance   types.String `tfsdk:"current_balance"`
}

func (d *cardDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_card"
}

func (d *cardDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A card's status and balance (`CardDetails` and `CardBalance`). The full card number and CVV are " +
			"never stored: read them with the `cards_card_secrets` ephemeral resource.",
		Attributes: map[string]schema.Attribute{
			"card_id": schema.StringAttribute{
				MarkdownDescription: "The card to look up. An unknown card is an error.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"status": schema.StringAttribute{MarkdownDescription: "The card's status, e.g. `Active` or `Frozen`.", Computed: true},
			"card_last4": schema.StringAttribute{
				MarkdownDescription: "The last four digits of the card number; null while the card has no number yet.", Computed: true},
			"expiration_date": schema.StringAttribute{
				MarkdownDescription: "The expiration date as the platform reports it; null while the card has none yet.", Computed: true},
			"currency":          schema.StringAttribute{MarkdownDescription: "The card's currency, e.g. `USD`.", Computed: true},
			"card_type":         schema.StringAttribute{MarkdownDescription: "The card type as the platform reports it, e.g. `Virtual`.", Computed: true},
			"available_balance": schema.StringAttribute{MarkdownDescription: "The available balance, an exact decimal with two places.", Computed: true},
			"current_balance":   schema.StringAttribute{MarkdownDescription: "The current balance, an exact decimal with two places.", Computed: true},
		},
	}
}

func (d *cardDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data cardDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cardID := data.CardID.ValueString()
	details, err := d.client.CardDetails(ctx, cardID)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathCardID, "Cannot read the card", cardLookupError(cardID, err))
		return
	}
	balance, err := d.client.CardBalance(ctx, cardID)
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathCardID, "Cannot read the card's balance", cardLookupError(cardID, err))
		return
	}
	data.Status = types.StringValue(details.CardStatus)
	data.CardLast4 = stringOrNull(details.Last4())
	data.ExpirationDate = stringOrNull(string(details.ExpirationDate))
	data.Currency = stringOrNull(balance.CardCurrency)
	data.CardType = stringOrNull(string(balance.CardType))
	data.AvailableBalance = moneyValue(balance.AvailableBalance)
	data.CurrentBalance = moneyValue(balance.CurrentBalance)
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}
