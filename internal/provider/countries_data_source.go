package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

var (
	_ datasource.DataSource              = (*countriesDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*countriesDataSource)(nil)
)

// NewCountriesDataSource is the cards_countries data source.
func NewCountriesDataSource() datasource.DataSource { return &countriesDataSource{} }

type countriesDataSource struct{ dataSourceClient }

type countriesDataSourceModel struct {
	ISO2      types.String   `tfsdk:"iso2"`
	ISO3      types.String   `tfsdk:"iso3"`
	Name      types.String   `tfsdk:"name"`
	Countries []countryModel `tfsdk:"countries"`
}

type countryModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Nationality types.String `tfsdk:"nationality"`
	ISO2        types.String `tfsdk:"iso2"`
	ISO3        types.String `tfsdk:"iso3"`
	ISONumber   types.String `tfsdk:"iso_number"`
}

func (d *countriesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_countries"
}

func (d *countriesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The countries of the platform (`/Countries`), whose ids the `cards_card.kyc` attributes " +
			"`nationality_id` and `country_id` take. The optional filters match exactly, ignoring case, and combine; " +
			"a filter that matches nothing gives an empty list.",
		Attributes: map[string]schema.Attribute{
			"iso2": schema.StringAttribute{
				MarkdownDescription: "Only the country with this ISO 3166-1 alpha-2 code, e.g. `SG`: exactly two letters, checked at plan time.",
				Optional:            true, Validators: []validator.String{countryCodeValidator{letters: 2}},
			},
			"iso3": schema.StringAttribute{
				MarkdownDescription: "Only the country with this ISO 3166-1 alpha-3 code, e.g. `SGP`: exactly three letters, checked at plan time.",
				Optional:            true, Validators: []validator.String{countryCodeValidator{letters: 3}},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Only the country with this name, e.g. `Singapore`.",
				Optional:            true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"countries": schema.ListNestedAttribute{
				MarkdownDescription: "The matching countries, in the platform's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":          schema.StringAttribute{MarkdownDescription: "The platform's country id.", Computed: true},
					"name":        schema.StringAttribute{MarkdownDescription: "The country's name.", Computed: true},
					"nationality": schema.StringAttribute{MarkdownDescription: "The nationality, e.g. `Singaporean`.", Computed: true},
					"iso2":        schema.StringAttribute{MarkdownDescription: "ISO 3166-1 alpha-2 code.", Computed: true},
					"iso3":        schema.StringAttribute{MarkdownDescription: "ISO 3166-1 alpha-3 code.", Computed: true},
					"iso_number":  schema.StringAttribute{MarkdownDescription: "ISO 3166-1 numeric code, e.g. `702`.", Computed: true},
				}},
			},
		},
	}
}

func (d *countriesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data countriesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	countries, err := d.client.Countries(ctx)
	if err != nil {
		if addWrongBaseURL(ctx, d.client, err, &resp.Diagnostics) {
			return // the list always exists: a "not found" is a wrong base_url
		}
		resp.Diagnostics.AddError("Cannot list the countries", err.Error())
		return
	}
	data.Countries = filterCountries(countries, data.ISO2.ValueString(), data.ISO3.ValueString(), data.Name.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// filterCountries keeps the countries matching every non-empty filter, ignoring case and
// surrounding spaces. The result is never nil, so no match is an empty list.
func filterCountries(all []cardsapi.Country, iso2, iso3, name string) []countryModel {
	matches := func(filter, value string) bool {
		filter = strings.TrimSpace(filter)
		return filter == "" || strings.EqualFold(filter, strings.TrimSpace(value))
	}
	out := make([]countryModel, 0, len(all))
	for _, c := range all {
		if !matches(iso2, c.ISOTwo) || !matches(iso3, c.ISOThree) || !matches(name, c.Name) {
			continue
		}
		out = append(out, countryModel{
			ID:          types.StringValue(string(c.ID)),
			Name:        types.StringValue(c.Name),
			Nationality: types.StringValue(c.Nationality),
			ISO2:        types.StringValue(c.ISOTwo),
			ISO3:        types.StringValue(c.ISOThree),
			ISONumber:   types.StringValue(string(c.ISONumber)),
		})
	}
	return out
}
