package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

// objectAsOptions reads nested objects, treating unset attributes as null.
var objectAsOptions = basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true}

// clientFrom takes the shared client from the provider's Configure; nil before configuration.
func clientFrom(providerData any, diags *diag.Diagnostics) *cardsapi.Client {
	if providerData == nil {
		return nil
	}
	client, ok := providerData.(*cardsapi.Client)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *cardsapi.Client, got %T. This is a bug in the provider.", providerData))
		return nil
	}
	return client
}

// pathCardID is the card_id argument of the lookups that take one.
var pathCardID = path.Root("card_id")

// clientHolder gives ephemeral resources the shared client.
type clientHolder struct {
	client *cardsapi.Client
}

func (h *clientHolder) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	h.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// cardLookupError names the card when it does not exist.
func cardLookupError(cardID string, err error) string {
	if cardsapi.IsNotFound(err) {
		return fmt.Sprintf("No card %q exists for this merchant.", cardID)
	}
	return fmt.Sprintf("Card %q: %s", cardID, err)
}
