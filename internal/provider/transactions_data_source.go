package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource                   = (*transactionsDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*transactionsDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*transactionsDataSource)(nil)
)

// NewTransactionsDataSource is the cards_transactions data source.
func NewTransactionsDataSource() datasource.DataSource { return &transactionsDataSource{} }

type transactionsDataSource struct{ dataSourceClient }

type transactionsDataSourceModel struct {
	StartTime    types.String       `tfsdk:"start_time"`
	EndTime      types.String       `tfsdk:"end_time"`
	MaxItems     types.Int64        `tfsdk:"max_items"`
	Transactions []transactionModel `tfsdk:"transactions"`
}

func (d *transactionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_transactions"
}

func (d *transactionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The transactions of all the merchant's cards (`Cards/Transactions`; the path of this operation is " +
			"not published by the vendor). Every page is fetched; the list is ordered newest first.",
		Attributes: transactionsFilterAttributes(),
	}
}

func (d *transactionsDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateTimeRange(ctx, req.Config, &resp.Diagnostics)
}

func (d *transactionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data transactionsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	query, diags := transactionsQuery(data.StartTime, data.EndTime)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	items, err := fetchAllTransactions(ctx, d.client.Transactions, query)
	if err != nil {
		resp.Diagnostics.AddError("Cannot list the transactions", err.Error())
		return
	}
	data.Transactions = transactionModels(items, data.MaxItems)
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}
