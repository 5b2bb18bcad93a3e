package cardsapi_test

import (
	"context"
	"sync"
	"testing"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// The platform's countries and towns are read once per client, however many callers ask at
// once, and a second client reads its own.
func TestReferenceDataIsReadOncePerClient(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ref, err := c.ReferenceData(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if ref.CountryByISO3("ind") == nil || ref.Town("INBOM") == nil || ref.CountryByID("23") == nil {
				t.Errorf("lookups failed: %d countries, %d towns", len(ref.Countries), len(ref.Towns))
			}
		})
	}
	wg.Wait()
	if n := sb.Counters(); n["Countries"] != 1 || n["Towns"] != 1 {
		t.Fatalf("Countries read %d times, Towns %d times; want once each", n["Countries"], n["Towns"])
	}
	if _, err := newClient(t, sb).ReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sb.Counters()["Countries"]; n != 2 {
		t.Fatalf("a second client read Countries %d times in all, want 2", n)
	}
}
