package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/journal"
)

// resourceData is what the provider hands its resources: the shared client, and the journal
// that lets a run recover what a killed run was answered.
type resourceData struct {
	client  *cardsapi.Client
	journal *journal.Journal // nil when the working directory cannot hold one
	// topUpTasks holds the task ids of top-ups this process knows to belong to a resource, so
	// that reconciling a lost answer never takes another resource's top-up for its own.
	topUpTasks *sync.Map
	// warnedStatuses holds the unknown statuses already warned about, once per run.
	warnedStatuses *sync.Map
}

// resourceDataFrom unpacks resourceData; nil values before the provider is configured.
func resourceDataFrom(providerData any, diags *diag.Diagnostics) *resourceData {
	if providerData == nil {
		return &resourceData{topUpTasks: &sync.Map{}, warnedStatuses: &sync.Map{}}
	}
	data, ok := providerData.(*resourceData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *resourceData, got %T. This is a bug in the provider.", providerData))
		return &resourceData{topUpTasks: &sync.Map{}, warnedStatuses: &sync.Map{}}
	}
	return data
}

// journalDirectory is where the journal lives: a folder in Terraform's data directory.
func journalDirectory() string { return filepath.Join(dataDirectory(), journal.DirName) }

// dataDirectory is Terraform's data directory: TF_DATA_DIR, by default .terraform in the
// working directory, which is the provider's working directory too.
func dataDirectory() string {
	if dir := os.Getenv("TF_DATA_DIR"); dir != "" {
		return dir
	}
	return ".terraform"
}

// paceMemoryDirectory is where the client keeps what it learnt of the platform's pace (its
// rate limit, how soon its tasks settle) for the next provider process (a plan's apply runs
// in another): a folder in Terraform's data directory.
// Tests, which serve the provider in-process with a journal folder of their own, keep none.
func (p *CardsProvider) paceMemoryDirectory() string {
	if p.journalDir != "" {
		return ""
	}
	return filepath.Join(dataDirectory(), "cards-pace")
}

// openJournal opens the journal; without one the provider still works, but a killed run can
// no longer be recovered automatically, so it says so.
func (p *CardsProvider) openJournal(diags *diag.Diagnostics) *journal.Journal {
	dir := p.journalDir
	if dir == "" {
		dir = journalDirectory()
	}
	j, err := journal.Open(dir, nil)
	if err != nil {
		diags.AddWarning("No journal of issued cards and top-ups",
			fmt.Sprintf("The provider could not open its journal in %s (%s). It works without it, but if this run is killed "+
				"(not interrupted) after the platform issued a card or accepted a top-up, the next run cannot find them by itself.",
				dir, err))
		return nil
	}
	return j
}
