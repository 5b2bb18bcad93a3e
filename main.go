package main

import (
	"context"
	"flag"
	"log"

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
	if err := provider.Serve(context.Background(), version, debug); err != nil {
		log.Fatal(err.Error())
	}
}
