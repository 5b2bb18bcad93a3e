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
// Run with NOOP_LATENCY and NOOP_TASK_DELAY (Go durations) and NOOP_APPLY_REQUESTS, it is the
// benchmark's oracle, a provider that takes exactly the platform's time and nothing more: each
// Read is one request (it takes the latency L), and each Create, Update and Delete makes
// NOOP_APPLY_REQUESTS of them with the task delay D after the first. Terraform's own
// scheduling of the waves is then all that separates its wall time from the platform's
// bound. With NOOP_RATE_BUCKET (a URL the benchmark serves) each request first takes a token
// from a bucket like the platform's, which every process of the oracle's lifecycle shares, as
// the platform's is shared by every process of ours: a client that knows the limit and paces
// itself to it, never refused and never waiting out a Retry-After.
//
// The benchmark builds it as terraform-provider-noop and points a dev_overrides entry for
// registry.terraform.io/bench/noop at it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
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

// The oracle's platform (zero: the floor, which takes no time).
var (
	latency       = durationFromEnv("NOOP_LATENCY")
	taskDelay     = durationFromEnv("NOOP_TASK_DELAY")
	applyRequests = int(numberFromEnv("NOOP_APPLY_REQUESTS"))
	bucketURL     = os.Getenv("NOOP_RATE_BUCKET") // the platform's rate limit (internal/bench/oracle_bucket.go); "": none
	// bucketClient keeps a connection for each of Terraform's parallel calls.
	bucketClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
)

func durationFromEnv(name string) time.Duration {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil && os.Getenv(name) != "" {
		log.Fatalf("%s: %v", name, err)
	}
	return d
}

func numberFromEnv(name string) float64 {
	v, err := strconv.ParseFloat(os.Getenv(name), 64)
	if err != nil && os.Getenv(name) != "" || v < 0 {
		log.Fatalf("%s: want a number, 0 or more: %q", name, os.Getenv(name)) //nolint:gosec // G706: %q quotes the value
	}
	return v
}

// request is one request to the oracle's platform: a token of its bucket, then the latency.
func request(ctx context.Context) {
	if bucketURL != "" {
		takeToken(ctx)
	}
	time.Sleep(latency)
}

// takeToken returns once the platform's bucket lets a request go. A bucket that cannot be
// reached ends the process, so that the phase fails rather than run unpaced.
func takeToken(ctx context.Context) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, bucketURL, nil)
	if err != nil {
		log.Fatalf("NOOP_RATE_BUCKET: %v", err)
	}
	resp, err := bucketClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return // Terraform cancelled, and then nothing waits for us
		}
		log.Fatalf("noop: the oracle's rate bucket: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		log.Fatalf("noop: the oracle's rate bucket answered %s", resp.Status)
	}
}

// apply is a create, update or delete: its requests, with the task delay after the first.
func apply(ctx context.Context) {
	for i := range applyRequests {
		if i == 1 {
			time.Sleep(taskDelay)
		}
		request(ctx)
	}
}

func main() {
	cards.DefaultPluginLogLevels(Address) // as the cards provider: no TRACE logs nobody asked for
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
	apply(ctx)
	resp.State.Raw = applied(req.Plan, tftypes.NewValue(tftypes.String, hex.EncodeToString(b[:])))
	tflog.Info(ctx, "noop applied") // one line per apply call: the benchmark reads when they ran
}

// Read keeps the state as it is (the framework copies it into the response).
func (card) Read(ctx context.Context, _ resource.ReadRequest, _ *resource.ReadResponse) {
	request(ctx)
}

func (card) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	apply(ctx)
	resp.State.Raw = applied(req.Plan, tftypes.Value{})
	tflog.Info(ctx, "noop applied")
}

// Delete does nothing: the framework removes the resource from the state.
func (card) Delete(ctx context.Context, _ resource.DeleteRequest, _ *resource.DeleteResponse) {
	apply(ctx)
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
