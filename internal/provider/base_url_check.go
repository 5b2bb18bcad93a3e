package provider

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

// A base_url with a wrong path (".../api/v1/extra", or the host without /api/v1) answers every
// request with 404, which the client reads as "not found": without this check a plan would say
// that a program or card which exists does not. So when a lookup of something that should exist
// finds nothing, the provider asks once whether the base URL answers MerchantInformation (the
// one request that must succeed on a correct base URL) and, if that is not found either, reports
// base_url instead of the object.
//
// Cost: nothing on a plan whose lookups succeed, and at most one MerchantInformation request
// per configured client (i.e. per provider configuration in a provider process), whatever the
// answer: the result is remembered.

// baseURLCheck is the remembered verdict about one client's base URL.
type baseURLCheck struct {
	baseURL string // as shown in diagnostics (cardsapi.RedactURL); "" when unknown

	once    sync.Once
	problem string // "" when the base URL answers as the Cards API (or the check was inconclusive)
}

// baseURLChecks holds a *baseURLCheck per *cardsapi.Client; Configure registers each client.
var baseURLChecks sync.Map

// registerBaseURL records the base URL of a client configured by the provider, so that a later
// check can name it.
func registerBaseURL(client *cardsapi.Client, baseURL string) {
	baseURLChecks.Store(client, &baseURLCheck{baseURL: cardsapi.RedactURL(baseURL)})
}

func baseURLCheckOf(client *cardsapi.Client) *baseURLCheck {
	stored, _ := baseURLChecks.LoadOrStore(client, &baseURLCheck{})
	if check, ok := stored.(*baseURLCheck); ok {
		return check
	}
	return &baseURLCheck{} // not reached: only *baseURLCheck is stored
}

// wrongBaseURL tells, when err says a lookup found nothing, whether the base URL itself is the
// problem. It returns the detail of a diagnostic naming base_url, or "" when err is not a
// not-found, or the base URL answers as the Cards API does (so the object really is missing),
// or the check could not tell (then the caller reports err as it would have).
func wrongBaseURL(ctx context.Context, client *cardsapi.Client, err error) string {
	if client == nil || !cardsapi.IsNotFound(err) {
		return ""
	}
	check := baseURLCheckOf(client)
	check.once.Do(func() {
		var lookup *cardsapi.Error
		errors.As(err, &lookup)
		probe := err
		if lookup == nil || lookup.Operation != "MerchantInformation" {
			probe = client.CheckReachable(ctx) // nil, or wraps the *cardsapi.Error of MerchantInformation
		}
		if !cardsapi.IsNotFound(probe) {
			return // reachable (the object is missing), or another failure that says nothing about the path
		}
		check.problem = check.describe(probe, lookup)
	})
	return check.problem
}

// describe words the verdict: what was requested, what it answered, what base_url should be.
func (c *baseURLCheck) describe(probe error, lookup *cardsapi.Error) string {
	base := c.baseURL
	requested := "GET " + base + "/MerchantInformation/Merchant"
	if base == "" {
		base, requested = "(the configured base URL)", "GET <base_url>/MerchantInformation/Merchant"
	}
	answer := "404 (not found)"
	var apiErr *cardsapi.Error
	if errors.As(probe, &apiErr) && apiErr.HTTPStatus != 0 && apiErr.HTTPStatus != 404 {
		answer = fmt.Sprintf("HTTP %d with \"not found\"", apiErr.HTTPStatus)
	}
	msg := fmt.Sprintf("base_url %s does not look like the Cards API: %s answered %s, and that request succeeds on "+
		"every correct base URL. The base URL should end in /api/v1, for example %s. Check base_url in the provider "+
		"block or the %s environment variable.", base, requested, answer, DefaultBaseURL, EnvBaseURL)
	if lookup != nil && lookup.Operation != "MerchantInformation" {
		msg += fmt.Sprintf(" (%s answered \"not found\" for the same reason; it does not mean the object is missing.)", lookup.Operation)
	}
	return msg
}

// wrongBaseURLSummary is the summary of the diagnostic that carries wrongBaseURL's detail.
const wrongBaseURLSummary = "Wrong base_url"

// addWrongBaseURL adds the base_url diagnostic and returns true when wrongBaseURL finds the
// base URL at fault. Call it where a lookup of something that should exist is not found, and
// skip the "not found" diagnostic when it returns true:
//
//	if cardsapi.IsNotFound(err) {
//		if addWrongBaseURL(ctx, client, err, &resp.Diagnostics) {
//			return
//		}
//		resp.Diagnostics.AddAttributeError(..., "Program not found", ...)
//	}
//
// The diagnostic has no attribute path: base_url belongs to the provider block, not to the
// resource or data source that noticed.
func addWrongBaseURL(ctx context.Context, client *cardsapi.Client, err error, diags *diag.Diagnostics) bool {
	problem := wrongBaseURL(ctx, client, err)
	if problem == "" {
		return false
	}
	diags.AddError(wrongBaseURLSummary, problem)
	return true
}
