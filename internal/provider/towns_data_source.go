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
	_ datasource.DataSource              = (*townsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*townsDataSource)(nil)
)

// NewTownsDataSource is the cards_towns data source.
func NewTownsDataSource() datasource.DataSource { return &townsDataSource{} }

type townsDataSource struct{ dataSourceClient }

type townsDataSourceModel struct {
	CountryID types.String `tfsdk:"country_id"`
	Towns     []townModel  `tfsdk:"towns"`
}

type townModel struct {
	ID        types.String `tfsdk:"id"`
	Name      types.String `tfsdk:"name"`
	Code      types.String `tfsdk:"code"`
	CountryID types.String `tfsdk:"country_id"`
}

func (d *townsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_towns"
}

func (d *townsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The towns of the platform (`/Towns`), whose id or code the `cards_card.kyc.town` attribute takes.",
		Attributes: map[string]schema.Attribute{
			"country_id": schema.StringAttribute{
				MarkdownDescription: "Only the towns of this country (an id from `data.cards_countries`). A country without " +
					"towns gives an empty list.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"towns": schema.ListNestedAttribute{
				MarkdownDescription: "The towns, in the platform's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":         schema.StringAttribute{MarkdownDescription: "The platform's town id.", Computed: true},
					"name":       schema.StringAttribute{MarkdownDescription: "The town's name.", Computed: true},
					"code":       schema.StringAttribute{MarkdownDescription: "The town's code, e.g. the UN/LOCODE `SGSIN`.", Computed: true},
					"country_id": schema.StringAttribute{MarkdownDescription: "The town's country or region (`countryOrRegion`), a country id.", Computed: true},
				}},
			},
		},
	}
}

func (d *townsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data townsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	towns, err := d.client.Towns(ctx, data.CountryID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Cannot list the towns", err.Error())
		return
	}
	data.Towns = make([]townModel, 0, len(towns))
	for _, t := range towns {
		data.Towns = append(data.Towns, townModel{
			ID:        types.StringValue(string(t.ID)),
			Name:      types.StringValue(t.Name),
			Code:      types.StringValue(string(t.Code)),
			CountryID: types.StringValue(string(t.CountryOrRegion)),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}
