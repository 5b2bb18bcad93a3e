package provider

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

const (
	// transactionsPageSize is how many transactions one request asks for (the platform's
	// sandbox serves at most 100 a page).
	transactionsPageSize = 100
	// transactionsMaxPages bounds the pages one read fetches, against a server that never
	// says it is done.
	transactionsMaxPages = 2000
)

var (
	_ datasource.DataSource                   = (*cardTransactionsDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*cardTransactionsDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*cardTransactionsDataSource)(nil)
)

// NewCardTransactionsDataSource is the cards_card_transactions data source.
func NewCardTransactionsDataSource() datasource.DataSource { return &cardTransactionsDataSource{} }

type cardTransactionsDataSource struct{ dataSourceClient }

type cardTransactionsDataSourceModel struct {
	CardID       types.String       `tfsdk:"card_id"`
	StartTime    types.String       `tfsdk:"start_time"`
	EndTime      types.String       `tfsdk:"end_time"`
	MaxItems     types.Int64        `tfsdk:"max_items"`
	Transactions []transactionModel `tfsdk:"transactions"`
}

type transactionModel struct {
	TaskID   types.String `tfsdk:"task_id"`
	CardID   types.String `tfsdk:"card_id"`
	Type     types.String `tfsdk:"type"`
	Status   types.String `tfsdk:"status"`
	Amount   types.String `tfsdk:"amount"`
	Fee      types.String `tfsdk:"fee"`
	Currency types.String `tfsdk:"currency"`
	Remarks  types.String `tfsdk:"remarks"`
	Date     types.String `tfsdk:"date"`
}

func (d *cardTransactionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_card_transactions"
}

func (d *cardTransactionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := transactionsFilterAttributes()
	attrs["card_id"] = schema.StringAttribute{
		MarkdownDescription: "The card whose transactions to list. An unknown card is an error.",
		Required:            true,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One card's transactions (`Card/Transactions`): payments, fees, refunds and recharges (top-ups). " +
			"Every page is fetched; the list is ordered newest first.",
		Attributes: attrs,
	}
}

func (d *cardTransactionsDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateTimeRange(ctx, req.Config, &resp.Diagnostics)
}

func (d *cardTransactionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data cardTransactionsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cardID := data.CardID.ValueString()
	query, diags := transactionsQuery(data.StartTime, data.EndTime)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	query.CardID = cardID
	items, err := fetchAllTransactions(ctx, d.client.CardTransactions, query)
	if err != nil {
		if cardsapi.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(pathCardID, "Card not found", cardLookupError(cardID, err))
			return
		}
		resp.Diagnostics.AddError("Cannot list the card's transactions", fmt.Sprintf("Card %s: %s", cardID, err))
		return
	}
	data.Transactions = transactionModels(items, data.MaxItems)
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// transactionsFilterAttributes are the inputs and the result shared by both transaction lists.
func transactionsFilterAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"start_time": schema.StringAttribute{
			MarkdownDescription: "Only transactions at or after this time, RFC 3339 (e.g. `2025-01-31T00:00:00Z`); validated at plan time.",
			Optional:            true,
			Validators:          []validator.String{rfc3339Validator{}},
		},
		"end_time": schema.StringAttribute{
			MarkdownDescription: "Only transactions at or before this time, RFC 3339; not before `start_time`.",
			Optional:            true,
			Validators:          []validator.String{rfc3339Validator{}},
		},
		"max_items": schema.Int64Attribute{
			MarkdownDescription: "Keep only the newest `max_items` transactions. Every page is still read, since the platform " +
				"does not promise an order.",
			Optional:   true,
			Validators: []validator.Int64{int64validator.AtLeast(1)},
		},
		"transactions": schema.ListNestedAttribute{
			MarkdownDescription: "The transactions, newest first.",
			Computed:            true,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"task_id": schema.StringAttribute{MarkdownDescription: "The platform's task id; for a recharge, the id of the top-up " +
					"(`cards_card_topup.<name>.id`).", Computed: true},
				"card_id":  schema.StringAttribute{MarkdownDescription: "The card.", Computed: true},
				"type":     schema.StringAttribute{MarkdownDescription: "`consume`, `fee`, `refund` or `recharge`.", Computed: true},
				"status":   schema.StringAttribute{MarkdownDescription: "The transaction's status, e.g. `Success` or `Failed`.", Computed: true},
				"amount":   schema.StringAttribute{MarkdownDescription: "The amount, an exact decimal with two places.", Computed: true},
				"fee":      schema.StringAttribute{MarkdownDescription: "The fee, an exact decimal with two places.", Computed: true},
				"currency": schema.StringAttribute{MarkdownDescription: "The currency, e.g. `USD`.", Computed: true},
				"remarks":  schema.StringAttribute{MarkdownDescription: "The platform's remarks, e.g. the merchant paid.", Computed: true},
				"date":     schema.StringAttribute{MarkdownDescription: "When it happened, RFC 3339 in UTC.", Computed: true},
			}},
		},
	}
}

// rfc3339Validator checks a time such as 2025-01-31T00:00:00Z at plan time.
type rfc3339Validator struct{}

func (rfc3339Validator) Description(context.Context) string {
	return "must be an RFC 3339 time not before 1970, such as 2025-01-31T00:00:00Z"
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v rfc3339Validator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseTransactionTime(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid time",
			fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}

// parseTransactionTime reads an RFC 3339 time as Unix seconds.
func parseTransactionTime(s string) (int64, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, err
	}
	if t.Unix() < 0 {
		return 0, fmt.Errorf("%s is before 1970", s)
	}
	return t.Unix(), nil
}

// validateTimeRange rejects a start_time after end_time when both are known.
func validateTimeRange(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) {
	var start, end types.String
	diags.Append(config.GetAttribute(ctx, path.Root("start_time"), &start)...)
	diags.Append(config.GetAttribute(ctx, path.Root("end_time"), &end)...)
	if diags.HasError() || start.IsNull() || start.IsUnknown() || end.IsNull() || end.IsUnknown() {
		return
	}
	from, errFrom := parseTransactionTime(start.ValueString())
	to, errTo := parseTransactionTime(end.ValueString())
	if errFrom == nil && errTo == nil && from > to {
		diags.AddAttributeError(path.Root("end_time"), "Invalid time range",
			fmt.Sprintf("end_time %s is before start_time %s.", end.ValueString(), start.ValueString()))
	}
}

// transactionsQuery turns the optional time filters into a request (0 = open end).
func transactionsQuery(start, end types.String) (cardsapi.TransactionsRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	q := cardsapi.TransactionsRequest{Size: transactionsPageSize}
	for _, f := range []struct {
		name  string
		value types.String
		into  *int64
	}{{"start_time", start, &q.StartTime}, {"end_time", end, &q.EndTime}} {
		if f.value.IsNull() {
			continue
		}
		sec, err := parseTransactionTime(f.value.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root(f.name), "Invalid time", err.Error())
			continue
		}
		*f.into = sec
	}
	return q, diags
}

// fetchAllTransactions reads every page of a transaction list.
func fetchAllTransactions(ctx context.Context,
	fetch func(context.Context, cardsapi.TransactionsRequest) (*cardsapi.TransactionPage, error),
	query cardsapi.TransactionsRequest,
) ([]cardsapi.Transaction, error) {
	var all []cardsapi.Transaction
	for page := 1; ; page++ {
		if page > transactionsMaxPages {
			return nil, fmt.Errorf("the platform still had transactions after %d pages of %d; narrow start_time/end_time",
				transactionsMaxPages, query.Size)
		}
		query.Page = page
		got, err := fetch(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		all = append(all, got.Items...)
		size := query.Size
		if got.Size > 0 {
			size = int(got.Size)
		}
		switch {
		case len(got.Items) == 0:
			return all, nil
		case got.Total > 0 && len(all) >= int(got.Total):
			return all, nil
		case got.Total <= 0 && len(got.Items) < size:
			return all, nil
		}
	}
}

// transactionModels orders transactions newest first (the platform's order among equal
// dates is kept) and keeps at most maxItems of them.
func transactionModels(items []cardsapi.Transaction, maxItems types.Int64) []transactionModel {
	sorted := append([]cardsapi.Transaction(nil), items...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Date > sorted[j].Date })
	if !maxItems.IsNull() && !maxItems.IsUnknown() && maxItems.ValueInt64() >= 0 && int64(len(sorted)) > maxItems.ValueInt64() {
		sorted = sorted[:maxItems.ValueInt64()]
	}
	out := make([]transactionModel, 0, len(sorted))
	for _, t := range sorted {
		out = append(out, transactionModel{
			TaskID:   types.StringValue(string(t.TaskID)),
			CardID:   types.StringValue(string(t.CardID)),
			Type:     types.StringValue(string(t.Type)),
			Status:   types.StringValue(string(t.Status)),
			Amount:   moneyValue(t.Amount),
			Fee:      moneyValue(t.Fee),
			Currency: types.StringValue(t.Currency),
			Remarks:  types.StringValue(t.Remarks),
			Date:     types.StringValue(time.Unix(int64(t.Date), 0).UTC().Format(time.RFC3339)),
		})
	}
	return out
}
