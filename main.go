package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/arthawork/terraform-provider-cards/internal/provider"
)

// Run "go generate" to format example Terraform files and regenerate the docs.
//go:generate terraform fmt -recursive ./examples/
//go:generate go tool tfplugindocs generate --provider-name cards

// version is set by goreleaser at release time.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()
	defaultPluginLogLevels()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: provider.Address,
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// defaultPluginLogLevels sets the levels of the plugin libraries' loggers to what Terraform
// shows of a provider's log (TF_LOG_PROVIDER, else TF_LOG, else nothing) when the user has not
// set them. Unset, they default to TRACE: every framework and protocol log line is encoded,
// sent to Terraform and dropped there, which cost about 30% of the provider's CPU in a
// 1000-card refresh (BENCHMARKS.md). A level the user sets is left as it is.
func defaultPluginLogLevels() {
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
