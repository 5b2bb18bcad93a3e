package sandbox

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

const (
	defaultPageSize = 10
	maxPageSize     = 100
)

type transactionsRequest struct {
	CardID    string `json:"cardId"`
	Page      int    `json:"page"` // 1-based; 0 means 1
	Size      int    `json:"size"` // 0 means 10; at most 100
	StartTime int64  `json:"startTime"`
	EndTime   int64  `json:"endTime"`
}

func (s *Server) cardTransactions(c *call) result {
	var req transactionsRequest
	cd, bad := s.decodeCardRequest(c, &req, &req.CardID)
	if bad != nil {
		return *bad
	}
	return s.transactionPage(req, s.st.txByCard[cd.ID])
}

func (s *Server) allTransactions(c *call) result {
	var req transactionsRequest
	if bad := c.decode(&req); bad != nil {
		return *bad
	}
	return s.transactionPage(req, s.st.Transactions)
}

// transactionPage filters by startTime ≤ date ≤ endTime (Unix seconds, 0 = open), orders
// newest first (ties: most recently recorded first) and cuts one 1-based page.
func (s *Server) transactionPage(req transactionsRequest, all []*transaction) result {
	switch {
	case req.Page < 0:
		return badRequest("page is 1-based and must not be negative")
	case req.Size < 0 || req.Size > maxPageSize:
		return badRequest("size must be between 1 and %d", maxPageSize)
	case req.StartTime < 0 || req.EndTime < 0:
		return badRequest("startTime and endTime are Unix seconds and must not be negative")
	case req.StartTime > 0 && req.EndTime > 0 && req.StartTime > req.EndTime:
		return badRequest("startTime is after endTime")
	}
	if req.Page == 0 {
		req.Page = 1
	}
	if req.Size == 0 {
		req.Size = defaultPageSize
	}
	matched := make([]*transaction, 0, len(all))
	for _, t := range all {
		sec := t.Date.Unix()
		if (req.StartTime == 0 || sec >= req.StartTime) && (req.EndTime == 0 || sec <= req.EndTime) {
			matched = append(matched, t)
		}
	}
	sort.Slice(matched, func(i, j int) bool {
		if di, dj := matched[i].Date.Unix(), matched[j].Date.Unix(); di != dj {
			return di > dj
		}
		return matched[i].Seq > matched[j].Seq
	})
	page := transactionPageJSON{Total: len(matched), Page: req.Page, Size: req.Size, Items: []transactionJSON{}}
	if from := (req.Page - 1) * req.Size; from < len(matched) {
		for _, t := range matched[from:min(from+req.Size, len(matched))] {
			page.Items = append(page.Items, transactionJSON{
				TaskID: t.TaskID, CardID: t.CardID, Type: t.Type, Status: s.wireStatusLocked(t.Status),
				Amount: money(t.Amount), Fee: money(t.Fee), Currency: t.Currency,
				Remarks: t.Remarks, Date: t.Date.Unix(),
			})
		}
	}
	return ok(page)
}

// AddTransactions records n card payments ("consume") on a card, for pagination and
// filter tests. Payment i (1..n) is dated i minutes before now and costs 1.00 + (i mod 10)
// × 0.25. It succeeds, and is taken off the balance, when the card is Active and the balance
// covers it; otherwise it is recorded as a Failed (declined) payment. No webhook is sent.
func (s *Server) AddTransactions(cardID string, n int) error {
	if n < 0 || n > 100000 {
		return errors.New("count must be between 0 and 100000")
	}
	var err error
	s.update(func(now time.Time) {
		cd := s.st.visibleCard(cardID)
		if cd == nil {
			err = fmt.Errorf("card %s not found", cardID)
			return
		}
		cur := findProgram(cd.ProgramID).currency()
		quarter := decimal.RequireFromString("0.25")
		for i := 1; i <= n; i++ {
			amount := decimal.NewFromInt(1).Add(quarter.Mul(decimal.NewFromInt(int64(i % 10))))
			t := &transaction{TaskID: newID(), CardID: cd.ID, Type: TxConsume, Amount: amount, Fee: decimal.Zero,
				Currency: cur, Date: now.Add(-time.Duration(i) * time.Minute)}
			if cd.Status == CardStatusActive && !cd.Balance.LessThan(amount) {
				cd.Balance = cd.Balance.Sub(amount)
				t.Status, t.Remarks = StatusSuccess, fmt.Sprintf("Sandbox merchant #%d", i)
			} else {
				t.Status, t.Remarks = StatusFailed, "Declined: insufficient balance or card not active"
			}
			s.st.addTransaction(t)
		}
		s.dirty = true
	})
	return err
}
