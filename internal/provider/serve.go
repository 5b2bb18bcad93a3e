package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

// Serve serves the provider over the plugin protocol until Terraform stops it.
func Serve(ctx context.Context, version string, debug bool) error {
	DefaultPluginLogLevels()
	return providerserver.Serve(ctx, New(version), providerserver.ServeOpts{Address: Address, Debug: debug})
}

// DefaultPluginLogLevels sets the levels of the plugin libraries' loggers to what Terraform
// shows of a provider's log (TF_LOG_PROVIDER, else TF_LOG, else nothing) when the user has not
// set them. Unset, they default to TRACE: every framework and protocol log line is encoded,
// sent to Terraform and dropped there, which cost about 30% of the provider's CPU in a
// 1000-card refresh (BENCHMARKS.md). A level the user sets is left as it is. The benchmark's
// no-op provider calls it too, so that Terraform's floor is not measured with TRACE logs.
func DefaultPluginLogLevels() {
	shown := os.Getenv("TF_LOG_PROVIDER")
	if shown == "" {
		shown = os.Getenv("TF_LOG")
	}
	if shown == "" {
		shown = "OFF"
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_PROVIDER"} {
		if _, set := os.LookupEnv(name); !set {
			_ = os.Setenv(name, shown)
		}
	}
}
