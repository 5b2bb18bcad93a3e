// Command noop is the provider of Terraform's floor in the lifecycle benchmark
// (internal/bench): built with the same terraform-plugin-framework as the cards provider, one
// resource type, noop_card, with the schema of cards_card (its attributes, validators and
// plan modifiers), whose Create, Read, Update and Delete do nothing but hand Terraform back
// what it gave. The same lifecycle on N of them with the same configuration and -parallelism
// is what Terraform and the plugin framework cost by themselves for such a resource: no
// platform can make a provider faster than that. (With a two-attribute resource, the floor
// left out the framework's work on the card's forty attributes, which every read and plan
// pays.)
//
// Run with NOOP_APPLY_SLEEP and NOOP_READ_SLEEP (Go durations), its Create, Update and Delete
// and its Read sleep that long: a provider that takes exactly the platform's time and nothing
// more (the benchmark's oracle). Terraform's own scheduling of the waves is then all that
// separates its wall time from the platform's bound.
//
// The benchmark builds it as terraform-provider-noop and points a dev_overrides entry for
// registry.terraform.io/bench/noop at it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	cards "github.com/arthawork/terraform-provider-cards/internal/provider"
)

// Address is the source address the benchmark's configurations use.
const Address = "registry.terraform.io/bench/noop"

// Sleeps of the oracle (zero: the floor, no sleep).
var applySleep, readSleep = sleepFromEnv("NOOP_APPLY_SLEEP"), sleepFromEnv("NOOP_READ_SLEEP")

func sleepFromEnv(name string) time.Duration {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil && os.Getenv(name) != "" {
		log.Fatalf("%s: %v", name, err)
	}
	return d
}

func main() {
	cards.DefaultPluginLogLevels() // as the cards provider: no framework TRACE logs nobody asked for
	if err := providerserver.Serve(context.Background(), newProvider, providerserver.ServeOpts{Address: Address}); err != nil {
		log.Fatal(err)
	}
}

type noopProvider struct{}

func newProvider() provider.Provider { return noopProvider{} }

func (noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "noop"
}

func (noopProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = pschema.Schema{}
}

func (noopProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return card{} }}
}

func (noopProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// card is noop_card: the schema of cards_card, and nothing behind it.
type card struct{}

func (card) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_card"
}

func (card) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	cards.NewCardResource().Schema(ctx, req, resp)
}

func (card) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	time.Sleep(applySleep)
	resp.State.Raw = applied(req.Plan, tftypes.NewValue(tftypes.String, hex.EncodeToString(b[:])))
	tflog.Info(ctx, "noop applied") // one line per apply call: the benchmark reads when they ran
}

// Read keeps the state as it is (the framework copies it into the response).
func (card) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {
	time.Sleep(readSleep)
}

func (card) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	time.Sleep(applySleep)
	resp.State.Raw = applied(req.Plan, tftypes.Value{})
	tflog.Info(ctx, "noop applied")
}

// Delete does nothing: the framework removes the resource from the state.
func (card) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	time.Sleep(applySleep)
	tflog.Info(ctx, "noop applied")
}

// applied is the planned object with what the plan left unknown made null, and the id set to
// id when it is not the zero Value: what a create or update hands back.
func applied(plan tfsdk.Plan, id tftypes.Value) tftypes.Value {
	idPath := tftypes.NewAttributePath().WithAttributeName("id")
	v, err := tftypes.Transform(plan.Raw, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if p.Equal(idPath) && id.Type() != nil {
			return id, nil
		}
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	if err != nil {
		log.Fatalf("noop: %v", err)
	}
	return v
}
