package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

var (
	_ datasource.DataSource              = (*merchantDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*merchantDataSource)(nil)
)

// NewMerchantDataSource is the cards_merchant data source.
func NewMerchantDataSource() datasource.DataSource { return &merchantDataSource{} }

type merchantDataSource struct{ dataSourceClient }

type merchantDataSourceModel struct {
	Name     types.String           `tfsdk:"name"`
	Email    types.String           `tfsdk:"email"`
	Mobile   types.String           `tfsdk:"mobile"`
	Balances []merchantBalanceModel `tfsdk:"balances"`
	Programs []programSummaryModel  `tfsdk:"programs"`
}

type merchantBalanceModel struct {
	Currency     types.String `tfsdk:"currency"`
	CurrencyCode types.String `tfsdk:"currency_code"`
	Network      types.String `tfsdk:"network"`
	Amount       types.String `tfsdk:"amount"`
}

type programSummaryModel struct {
	ProgramID         types.String `tfsdk:"program_id"`
	Name              types.String `tfsdk:"name"`
	BIN               types.Int64  `tfsdk:"bin"`
	Currency          types.String `tfsdk:"currency"`
	Type              types.String `tfsdk:"type"`
	ConsumptionMethod types.String `tfsdk:"consumption_method"`
	ISOCountryName    types.String `tfsdk:"iso_country_name"`
	CardState         types.String `tfsdk:"card_state"`
}

func (d *merchantDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_merchant"
}

func (d *merchantDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The merchant behind the configured credentials (`MerchantInformation`): its contact details, " +
			"balances and card programs. Use `data.cards_program` for every detail of one program.",
		Attributes: map[string]schema.Attribute{
			"name":   schema.StringAttribute{MarkdownDescription: "The merchant's name.", Computed: true},
			"email":  schema.StringAttribute{MarkdownDescription: "The merchant's email address.", Computed: true},
			"mobile": schema.StringAttribute{MarkdownDescription: "The merchant's mobile number.", Computed: true},
			"balances": schema.ListNestedAttribute{
				MarkdownDescription: "The merchant's balances, which fund top-ups. Funding happens on the merchant platform.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"currency":      schema.StringAttribute{MarkdownDescription: "Currency, e.g. `USD`.", Computed: true},
					"currency_code": schema.StringAttribute{MarkdownDescription: "Currency code as the platform reports it.", Computed: true},
					"network":       schema.StringAttribute{MarkdownDescription: "Network of the balance, e.g. `TRC-20`.", Computed: true},
					"amount":        schema.StringAttribute{MarkdownDescription: "The balance, an exact decimal with two places, e.g. `\"100.00\"`.", Computed: true},
				}},
			},
			"programs": schema.ListNestedAttribute{
				MarkdownDescription: "The merchant's card programs, in the platform's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"program_id":         schema.StringAttribute{MarkdownDescription: "The program id, for `cards_card.program_id`.", Computed: true},
					"name":               schema.StringAttribute{MarkdownDescription: "The program's name.", Computed: true},
					"bin":                schema.Int64Attribute{MarkdownDescription: "The bank identification number of its cards.", Computed: true},
					"currency":           schema.StringAttribute{MarkdownDescription: "The currency of its cards.", Computed: true},
					"type":               schema.StringAttribute{MarkdownDescription: "The card type, e.g. `Debit`.", Computed: true},
					"consumption_method": schema.StringAttribute{MarkdownDescription: "Where its cards can be used, e.g. `Online`.", Computed: true},
					"iso_country_name":   schema.StringAttribute{MarkdownDescription: "The program's country.", Computed: true},
					"card_state":         schema.StringAttribute{MarkdownDescription: "The program's state, e.g. `Active`.", Computed: true},
				}},
			},
		},
	}
}

func (d *merchantDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	merchant, err := d.client.MerchantInformation(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the merchant", err.Error())
		return
	}
	data := merchantDataSourceModel{
		Name:     types.StringValue(merchant.Name),
		Email:    types.StringValue(merchant.Email),
		Mobile:   types.StringValue(string(merchant.Mobile)),
		Balances: make([]merchantBalanceModel, 0, len(merchant.Balances)),
		Programs: make([]programSummaryModel, 0, len(merchant.Programs)),
	}
	for _, b := range merchant.Balances {
		data.Balances = append(data.Balances, merchantBalanceModel{
			Currency:     types.StringValue(b.Currency),
			CurrencyCode: types.StringValue(string(b.CurrencyCode)),
			Network:      types.StringValue(b.Network),
			Amount:       moneyValue(b.Amount),
		})
	}
	for _, p := range merchant.Programs {
		data.Programs = append(data.Programs, programSummary(p))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

func programSummary(p cardsapi.Program) programSummaryModel {
	return programSummaryModel{
		ProgramID:         types.StringValue(string(p.ProgramID)),
		Name:              types.StringValue(p.Name),
		BIN:               types.Int64Value(int64(p.BIN)),
		Currency:          types.StringValue(p.Currency),
		Type:              types.StringValue(string(p.Type)),
		ConsumptionMethod: types.StringValue(string(p.ConsumptionMethod)),
		ISOCountryName:    types.StringValue(p.ISOCountryName),
		CardState:         types.StringValue(string(p.CardState)),
	}
}
