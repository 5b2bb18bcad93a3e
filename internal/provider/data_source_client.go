package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

// dataSourceClient gives a data source the provider's shared client. It is embedded by every
// data source of this provider; clientHolder (provider_data.go) does the same for ephemeral
// resources, whose Configure has another signature.
type dataSourceClient struct {
	client *cardsapi.Client
}

func (h *dataSourceClient) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	h.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}
