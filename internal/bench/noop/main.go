// Command noop is the provider of Terraform's floor in the lifecycle benchmark
// (internal/bench): built with the same terraform-plugin-framework as the cards provider, one
// resource type, noop_thing, with an id and a bool, whose Create, Read, Update and Delete do
// nothing but hand Terraform back what it gave. The same lifecycle on N of them with the same
// -parallelism is what Terraform and the plugin protocol cost by themselves: no platform can
// make a provider faster than that.
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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
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
	return []func() resource.Resource{func() resource.Resource { return thing{} }}
}

func (noopProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// thing is noop_thing: an id chosen at create and a bool, like a card's id and frozen.
type thing struct{}

type thingModel struct {
	ID   types.String `tfsdk:"id"`
	Flag types.Bool   `tfsdk:"flag"`
}

func (thing) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_thing"
}

func (thing) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"flag": schema.BoolAttribute{Optional: true},
		},
	}
}

func (thing) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	m.ID = types.StringValue(hex.EncodeToString(b[:]))
	time.Sleep(applySleep)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	tflog.Info(ctx, "noop applied") // one line per apply call: the benchmark reads when they ran
}

// Read keeps the state as it is (the framework copies it into the response).
func (thing) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {
	time.Sleep(readSleep)
}

func (thing) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m thingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	time.Sleep(applySleep)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	tflog.Info(ctx, "noop applied")
}

// Delete does nothing: the framework removes the resource from the state.
func (thing) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	time.Sleep(applySleep)
	tflog.Info(ctx, "noop applied")
}
