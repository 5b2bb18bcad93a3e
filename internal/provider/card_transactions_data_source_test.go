package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/shopspring/decimal"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// checkNewestFirst checks that a data source lists want transactions whose dates never
// increase, and that the first and last are spanMinutes apart.
func checkNewestFirst(name string, want int, spanMinutes int) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in state", name)
		}
		attrs := rs.Primary.Attributes
		if got := attrs["transactions.#"]; got != strconv.Itoa(want) {
			return fmt.Errorf("%s lists %s transactions, want %d", name, got, want)
		}
		var first, prev time.Time
		for i := range want {
			d, err := time.Parse(time.RFC3339, attrs[fmt.Sprintf("transactions.%d.date", i)])
			if err != nil {
				return fmt.Errorf("transaction %d: %w", i, err)
			}
			if i == 0 {
				first = d
			} else if d.After(prev) {
				return fmt.Errorf("transaction %d (%s) is newer than transaction %d (%s): not newest first", i, d, i-1, prev)
			}
			prev = d
		}
		if span := first.Sub(prev); spanMinutes >= 0 && span != time.Duration(spanMinutes)*time.Minute {
			return fmt.Errorf("newest and oldest transactions are %s apart, want %d minutes", span, spanMinutes)
		}
		return nil
	}
}

// Every page of a card's transactions (230 > the page size of 100), newest first; max_items
// keeps the newest ones.
func TestAccCardTransactionsDataSource_pagination(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "adds transactions")
	cardID := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	other := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	// Payment i (1..230) is dated i minutes ago and costs 1.00 + (i mod 10) × 0.25 (sandbox AddTransactions).
	if err := sb.AddTransactions(cardID, 230); err != nil {
		t.Fatal(err)
	}
	if err := sb.AddTransactions(other, 7); err != nil {
		t.Fatal(err)
	}
	const all, newest = "data.cards_card_transactions.all", "data.cards_card_transactions.newest"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{{
			PreConfig: sb.ResetCounters,
			Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_card_transactions" "all" {
  card_id = %q
}
data "cards_card_transactions" "newest" {
  card_id   = %q
  max_items = 3
}
`, cardID, cardID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(all, tfjsonpath.New("transactions").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"task_id": knownvalue.StringRegexp(regexp.MustCompile(`.+`)), "card_id": knownvalue.StringExact(cardID),
					"type": knownvalue.StringExact("consume"), "status": knownvalue.StringExact("Failed"),
					"amount": knownvalue.StringExact("1.25"), "fee": knownvalue.StringExact("0.00"), "currency": knownvalue.StringExact("USD"),
					"remarks": knownvalue.StringExact("Declined: insufficient balance or card not active"),
					"date":    knownvalue.StringRegexp(rfc3339Pattern),
				})),
				statecheck.ExpectKnownValue(all, tfjsonpath.New("transactions").AtSliceIndex(1).AtMapKey("amount"), knownvalue.StringExact("1.50")),
				statecheck.ExpectKnownValue(all, tfjsonpath.New("transactions").AtSliceIndex(9).AtMapKey("amount"), knownvalue.StringExact("1.00")),
				statecheck.ExpectKnownValue(all, tfjsonpath.New("transactions").AtSliceIndex(229).AtMapKey("amount"), knownvalue.StringExact("1.00")),
				statecheck.ExpectKnownValue(newest, tfjsonpath.New("transactions"), knownvalue.ListSizeExact(3)),
				statecheck.ExpectKnownValue(newest, tfjsonpath.New("transactions").AtSliceIndex(2).AtMapKey("amount"), knownvalue.StringExact("1.75")),
			},
			Check: resource.ComposeTestCheckFunc(
				checkNewestFirst(all, 230, 229),
				checkNewestFirst(newest, 3, 2),
				func(*terraform.State) error {
					// Each read of each data source took three pages (100 + 100 + 30).
					if n := sb.Counters()["CardTransactions"]; n == 0 || n%3 != 0 {
						return fmt.Errorf("sandbox served %d CardTransactions pages, want a multiple of 3", n)
					}
					return nil
				},
			),
		}},
	})
}

// An unknown card is an error naming it; a malformed time fails at plan time.
func TestAccCardTransactionsDataSource_errors(t *testing.T) {
	sb := startTestSandbox(t)
	sb.requireSandbox(t, "counts requests")
	cardID := sb.issueCard(t, sb.prog(progVirtual), sandbox.CardStatusActive)
	const missing = "7f6e5d4c-3b2a-4190-8877-665544332211"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders(t),
		Steps: []resource.TestStep{
			{
				Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_card_transactions" "missing" {
  card_id = %q
}
`, missing),
				ExpectError: errorText(`Card not found`, `No card "`+missing+`" exists for this merchant`),
			},
			{
				Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_card_transactions" "bad" {
  card_id    = %q
  start_time = "yesterday"
}
`, cardID),
				PlanOnly:    true,
				ExpectError: errorText(`Invalid time`, `"yesterday" must be an RFC 3339 time`),
			},
			{
				Config: sb.ProviderConfig + fmt.Sprintf(`
data "cards_card_transactions" "backwards" {
  card_id    = %q
  start_time = "2025-02-01T00:00:00Z"
  end_time   = "2025-01-01T00:00:00Z"
}
`, cardID),
				PlanOnly:    true,
				ExpectError: errorText(`Invalid time range`, `end_time 2025-01-01T00:00:00Z is before start_time`),
			},
		},
	})
	if n := sb.Counters()["CardTransactions.processed"]; n != 0 {
		t.Errorf("sandbox served %d CardTransactions requests for invalid configurations, want 0", n)
	}
}

func TestTransactionsQuery(t *testing.T) {
	q, diags := transactionsQuery(types.StringValue("2025-01-31T00:00:00Z"), types.StringValue("2025-01-31T01:00:00+01:00"))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if q.StartTime != 1738281600 || q.EndTime != 1738281600 || q.Size != transactionsPageSize {
		t.Fatalf("query %+v, want start = end = 1738281600, size %d", q, transactionsPageSize)
	}
	q, diags = transactionsQuery(types.StringNull(), types.StringNull())
	if diags.HasError() || q.StartTime != 0 || q.EndTime != 0 {
		t.Fatalf("open query %+v %v", q, diags)
	}
	if _, diags = transactionsQuery(types.StringValue("1969-12-31T23:59:59Z"), types.StringNull()); !diags.HasError() {
		t.Fatal("a time before 1970 was accepted")
	}
}

// fakePages serves n transactions, newest first, in pages of at most serverMax.
func fakePages(n, serverMax int, reportTotal bool, calls *int) func(context.Context, cardsapi.TransactionsRequest) (*cardsapi.TransactionPage, error) {
	return func(_ context.Context, req cardsapi.TransactionsRequest) (*cardsapi.TransactionPage, error) {
		*calls++
		if *calls > 100 {
			return nil, errors.New("too many calls")
		}
		size := min(req.Size, serverMax)
		page := &cardsapi.TransactionPage{Page: cardsapi.LooseInt(req.Page), Size: cardsapi.LooseInt(size)}
		if reportTotal {
			page.Total = cardsapi.LooseInt(n)
		}
		for i := (req.Page - 1) * size; i < min(req.Page*size, n); i++ {
			page.Items = append(page.Items, cardsapi.Transaction{TaskID: cardsapi.LooseString(strconv.Itoa(i)), Date: cardsapi.LooseUnixTime(1_000_000 - i), Amount: decimal.New(int64(i), -2)})
		}
		return page, nil
	}
}

func TestFetchAllTransactions(t *testing.T) {
	for _, c := range []struct {
		name                  string
		n, serverMax, wantReq int
		total                 bool
	}{
		{"with total", 230, 100, 3, true},
		{"exact pages with total", 200, 100, 2, true},
		{"without total", 230, 100, 3, false},
		{"exact pages without total", 200, 100, 3, false},
		{"server caps the size", 230, 40, 6, true},
		{"empty", 0, 100, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			got, err := fetchAllTransactions(context.Background(), fakePages(c.n, c.serverMax, c.total, &calls),
				cardsapi.TransactionsRequest{Size: transactionsPageSize})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.n || calls != c.wantReq {
				t.Fatalf("got %d transactions in %d requests, want %d in %d", len(got), calls, c.n, c.wantReq)
			}
		})
	}
}

func TestTransactionModels_newestFirstAndMaxItems(t *testing.T) {
	items := []cardsapi.Transaction{
		{TaskID: "old", Date: 100, Amount: decimal.RequireFromString("0.1")},
		{TaskID: "new", Date: 300, Amount: decimal.RequireFromString("0.2")},
		{TaskID: "mid-a", Date: 200},
		{TaskID: "mid-b", Date: 200},
	}
	got := transactionModels(items, types.Int64Null())
	var order []string
	for _, m := range got {
		order = append(order, m.TaskID.ValueString())
	}
	if fmt.Sprint(order) != "[new mid-a mid-b old]" {
		t.Fatalf("order %v, want newest first with ties in platform order", order)
	}
	if got[0].Amount.ValueString() != "0.20" || got[0].Date.ValueString() != "1970-01-01T00:05:00Z" {
		t.Fatalf("newest transaction %+v", got[0])
	}
	if got := transactionModels(items, types.Int64Value(2)); len(got) != 2 || got[1].TaskID.ValueString() != "mid-a" {
		t.Fatalf("max_items 2 kept %v", got)
	}
	if got := transactionModels(nil, types.Int64Null()); got == nil || len(got) != 0 {
		t.Fatalf("no transactions must be an empty list, got %v", got)
	}
}
