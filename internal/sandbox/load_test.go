package sandbox

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// try sends a signed request from any goroutine, resending (with a new nonce) on 429 and 5xx.
func (c *client) try(method, path string, body any) (response, error) {
	for attempt := 0; ; attempt++ {
		r, err := c.send(c.signedRequest(method, path, body, time.Now(), freshNonce()))
		if err != nil || (r.code != http.StatusTooManyRequests && r.code < 500) || attempt == 50 {
			return r, err
		}
	}
}

func TestConcurrentClients(t *testing.T) {
	s, c := startSandbox(t, Options{})
	const workers, topUpsEach = 32, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				r, err := c.try(http.MethodPost, "/ApplyCard", map[string]any{"programId": ProgramVirtual})
				if err != nil || r.field("status") != StatusSuccess {
					return fmt.Errorf("apply: %v: %w", r, err)
				}
				id := r.field("cardId")
				for {
					d, err := c.try(http.MethodGet, "/CardDetails/"+id, nil)
					if err != nil {
						return err
					}
					if d.field("cardStatus") == CardStatusActive {
						break
					}
				}
				for i := 0; i < topUpsEach; i++ {
					r, err := c.try(http.MethodPost, "/CardTopUp", map[string]any{"cardId": id, "amount": "10.00"})
					if err != nil || r.field("status") != StatusSuccess {
						return fmt.Errorf("top-up: %v: %w", r, err)
					}
				}
				for _, p := range []string{"/CardBalance/", "/PinDetails/", "/CardDetails/"} {
					if r, err := c.try(http.MethodGet, p+id, nil); err != nil || r.code != 200 {
						return fmt.Errorf("%s: %v: %w", p, r, err)
					}
				}
				if r, err := c.try(http.MethodPost, "/Cards/Transactions", map[string]any{"page": 1, "size": 5}); err != nil || r.code != 200 {
					return fmt.Errorf("transactions: %v: %w", r, err)
				}
				if r, err := c.try(http.MethodPost, "/CardFreeze", map[string]any{"cardId": id}); err != nil || r.field("status") != StatusSuccess {
					return fmt.Errorf("freeze: %v: %w", r, err)
				}
				return nil
			}()
		}()
	}
	// Controls run alongside the clients.
	for i := 0; i < 20; i++ {
		s.Cards()
		s.TopUps()
		s.Counters()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Settle()
	cards := s.Cards()
	if len(cards) != workers || s.Counters()["ApplyCard.processed"] != workers {
		t.Fatalf("%d cards, counters %v", len(cards), s.Counters())
	}
	total := decimal.Zero
	for _, cd := range cards {
		total = total.Add(cd.Balance)
		if cd.Status != CardStatusFrozen {
			t.Fatalf("card %s is %s", cd.ID, cd.Status)
		}
	}
	// Each top-up: merchant −10.00, card +9.00 (fee 1.00 minimum).
	if want := dec("9.00").Mul(decimal.NewFromInt(workers * topUpsEach)); !total.Equal(want) {
		t.Fatalf("cards hold %s, want %s", total, want)
	}
	if want := dec("100000.00").Sub(dec("10.00").Mul(decimal.NewFromInt(workers * topUpsEach))); !s.MerchantBalance("USD").Equal(want) {
		t.Fatalf("merchant %s, want %s", s.MerchantBalance("USD"), want)
	}
}

// Under random throttling and errors, every card a client was told about exists exactly once
// and nothing else was created: faults answer before processing.
func TestConcurrentClientsUnderFaults(t *testing.T) {
	s, c := startSandbox(t, Options{ErrorRate: 0.2, ThrottleRate: 0.2})
	const workers, each = 16, 5
	var (
		mu      sync.Mutex
		created = map[string]bool{}
		wg      sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r, err := c.try(http.MethodPost, "/ApplyCard", map[string]any{"programId": ProgramSignature})
				if err == nil && r.field("status") == StatusSuccess {
					mu.Lock()
					created[r.field("cardId")] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	counts := s.Counters()
	if len(created) != workers*each || len(s.Cards()) != len(created) || counts["ApplyCard.processed"] != len(created) {
		t.Fatalf("%d acknowledged, %d cards, counters %v", len(created), len(s.Cards()), counts)
	}
	if counts["ApplyCard.faulted"] == 0 || counts["ApplyCard"] != counts["ApplyCard.processed"]+counts["ApplyCard.faulted"] {
		t.Fatalf("counters do not add up: %v", counts)
	}
}

func BenchmarkSignedCardDetails(b *testing.B) {
	s, c := startSandbox(b, Options{})
	id := mustSucceed(b, c.post("/ApplyCard", map[string]any{"programId": ProgramVirtual})).field("cardId")
	s.Settle()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r, err := c.send(c.signedRequest(http.MethodGet, "/CardDetails/"+id, nil, time.Now(), freshNonce())); err != nil || r.code != 200 {
				b.Fatalf("%v %v", r, err)
			}
		}
	})
}
