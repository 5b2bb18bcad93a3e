package provider

import (
	"context"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
)

// Serve serves the provider over the plugin protocol until Terraform stops it.
func Serve(ctx context.Context, version string, debug bool) error {
	DefaultPluginLogLevels(Address)
	return providerserver.Serve(ctx, New(version), providerserver.ServeOpts{Address: Address, Debug: debug})
}

// DefaultPluginLogLevels sets the levels of the loggers of the provider at address and of the
// plugin libraries to what Terraform shows of a provider's log (TF_LOG_PROVIDER, else TF_LOG,
// else nothing) when the user has not set them. Unset, they default to TRACE: every log line
// is encoded, sent to Terraform and dropped there. For the libraries' lines that cost about
// 30% of the provider's CPU in a 1000-card refresh (BENCHMARKS.md). The provider's own logger
// reads TF_LOG_PROVIDER_<TYPE> (terraform-plugin-go's tf6server), not TF_LOG_PROVIDER, so it
// stayed at TRACE and wrote its DEBUG line for every request until that was set too. A level
// the user sets is left as it is. The benchmark's no-op provider calls it too, so that
// Terraform's floor is measured as the provider is.
func DefaultPluginLogLevels(address string) {
	shown := os.Getenv("TF_LOG_PROVIDER")
	if shown == "" {
		shown = os.Getenv("TF_LOG")
	}
	if shown == "" {
		shown = "OFF"
	}
	for _, name := range []string{"TF_LOG_SDK", providerLogLevelVariable(address)} {
		if _, set := os.LookupEnv(name); !set {
			_ = os.Setenv(name, shown)
		}
	}
}

// providerLogLevelVariable is the variable that sets the level of the logger of the provider
// at address, as terraform-plugin-go names it: TF_LOG_PROVIDER_ and the address's type, in
// capitals with '-' as '_'.
func providerLogLevelVariable(address string) string {
	providerType := address[strings.LastIndex(address, "/")+1:]
	return "TF_LOG_PROVIDER_" + strings.ToUpper(strings.ReplaceAll(providerType, "-", "_"))
}
