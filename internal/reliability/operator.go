package reliability

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// operate acts, between two applies, as the operator the provider's errors address. Two
// situations need a person, because the Cards API cannot list cards:
//
//   - a placeholder (unconfirmed-…) in state: an ApplyCard whose answer was lost. The next
//     plan names it and says: find the card on the merchant platform, then `terraform state rm`
//     and `terraform import` (or only state rm to accept a new card).
//   - an unanswered card entry in the journal: the run was killed while ApplyCard was in
//     flight. The next plan stops with "A card may already exist" naming the journal file:
//     find the card, import it, delete the file.
//
// The operator first runs a plan and checks that it names each of them (that is what the
// user sees). The merchant platform is the sandbox's control API: the candidates are the
// sandbox's live cards that no state holds, were never held by one, were not imported
// already, and are not the answer of a journal entry (those the provider adopts by itself).
func (r *run) operate() {
	st, err := r.readState()
	if err != nil {
		r.res.problem("operator: reading the state: %v", err)
		return
	}
	entries, err := r.readJournal()
	if err != nil {
		r.res.problem("operator: reading the journal: %v", err)
		return
	}
	var placeholders []stateInstance
	for _, in := range st.cards() {
		if isPlaceholder(in.ID) {
			placeholders = append(placeholders, in)
		}
	}
	var inFlight []journalEntry
	answered := map[string]bool{}
	for _, e := range entries {
		switch {
		case e.Kind != "card":
		case e.ID == "":
			inFlight = append(inFlight, e)
		default:
			answered[strings.ToLower(e.ID)] = true
		}
	}
	if len(placeholders) == 0 && len(inFlight) == 0 {
		return
	}

	// Requests still inside the sandbox's latency when Terraform stopped land now.
	time.Sleep(r.sc.Latency + 500*time.Millisecond)

	plan := r.terraform("operator-plan", nil, "plan", "-input=false", "-no-color")
	r.observe("operator", plan)
	flat := flatten(plan.Output)
	for _, p := range placeholders {
		if strings.Contains(flat, "Card application outcome unknown") && strings.Contains(flat, p.ID) &&
			strings.Contains(flat, "terraform state rm") && strings.Contains(flat, "terraform import") {
			r.res.LostNamed++
		} else {
			r.res.problem("the plan does not name the placeholder %s of %s with state rm + import advice (see %s)",
				p.ID, p.Address, relPath(r.env.Root, plan.Log))
		}
	}
	for _, e := range inFlight {
		if strings.Contains(flat, "A card may already exist") && strings.Contains(flat, e.Attempt+".json") {
			r.res.InFlightNamed++
		} else {
			r.res.problem("the plan does not stop with \"A card may already exist\" naming journal entry %s.json (see %s)",
				e.Attempt, relPath(r.env.Root, plan.Log))
		}
	}

	cards, err := r.sandboxCards()
	if err != nil {
		r.res.problem("operator: listing the sandbox's cards: %v", err)
		return
	}
	held := map[string]bool{}
	for id := range r.everInState {
		held[strings.ToLower(id)] = true
	}
	for id := range r.imported {
		held[strings.ToLower(id)] = true
	}
	candidates := orphanCandidates(cards, held, answered)
	take := func() (sandbox.CardInfo, bool) {
		if len(candidates) == 0 {
			return sandbox.CardInfo{}, false
		}
		c := candidates[0]
		candidates = candidates[1:]
		return c, true
	}

	for _, p := range placeholders {
		r.res.Interventions++
		if !r.stateRm(p.Address) {
			continue
		}
		if c, ok := take(); ok {
			if r.importCard(p.Address, c.ID) {
				r.res.LostImported++
			}
		} else {
			r.res.LostNoCard++ // nothing was issued: state rm alone, the next apply applies again
		}
	}

	if len(inFlight) > 0 {
		st, err = r.readState()
		if err != nil {
			r.res.problem("operator: reading the state: %v", err)
			return
		}
		inState := map[string]bool{}
		for _, in := range st.cards() {
			inState[in.Key] = true
		}
		var free []string
		for _, k := range r.sc.cardKeys() {
			if !inState[k] {
				free = append(free, k)
			}
		}
		for _, e := range inFlight {
			r.res.Interventions++
			if c, ok := take(); ok {
				if len(free) == 0 {
					r.res.problem("operator: card %s may be the answer of journal entry %s, but every key has a card", c.ID, e.Attempt)
				} else if r.importCard(cardAddress(free[0]), c.ID) {
					free = free[1:]
					r.res.InFlightImported++
				}
			} else {
				r.res.InFlightNoCard++
			}
			if err := os.Remove(e.file); err != nil {
				r.res.problem("operator: deleting the journal entry: %v", err)
			}
		}
	}
	if len(candidates) > 0 {
		var ids []string
		for _, c := range candidates {
			ids = append(ids, c.ID)
		}
		r.res.note("the operator found %d more card(s) that no state holds and nothing named: %s", len(ids), strings.Join(ids, ", "))
	}
}

// orphanCandidates are the live cards that no state holds or held, that the operator has not
// imported, and that no answered journal entry names; oldest first.
func orphanCandidates(cards []sandbox.CardInfo, held, answered map[string]bool) []sandbox.CardInfo {
	var out []sandbox.CardInfo
	for _, c := range cards {
		id := strings.ToLower(c.ID)
		if c.Purged || c.Status == sandbox.CardStatusCancelled || c.Status == sandbox.CardStatusKYCRejected ||
			held[id] || answered[id] {
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Created.Before(out[b].Created) })
	return out
}

func (r *run) stateRm(addr string) bool {
	tr := r.terraform("operator-state-rm", nil, "state", "rm", addr)
	if tr.Code != 0 {
		r.res.problem("operator: terraform state rm %s failed (see %s)", addr, relPath(r.env.Root, tr.Log))
		return false
	}
	return true
}

// importCard imports a card, retrying (an import reads the card, and reads meet the faults).
func (r *run) importCard(addr, id string) bool {
	for i := 1; i <= 4; i++ {
		tr := r.terraform("operator-import", nil, "import", "-input=false", "-no-color", addr, id)
		r.observe("operator", tr)
		if tr.Code == 0 {
			r.imported[id] = true
			r.everInState[id] = true
			return true
		}
		time.Sleep(time.Second)
	}
	r.res.problem("operator: terraform import %s %s failed 4 times", addr, id)
	return false
}

// measure reads the sandbox's own records after the destroy.
func (r *run) measure() error {
	cards, err := r.sandboxCards()
	if err != nil {
		return err
	}
	topUps, err := r.sandboxTopUps()
	if err != nil {
		return err
	}
	counters, err := r.counters()
	if err != nil {
		return err
	}
	res := r.res
	res.CardsIssued = len(cards)
	res.Duplicates = max(0, len(cards)-res.Keys)
	for _, c := range cards {
		neverHeld := !r.everInState[c.ID]
		live := c.Status != sandbox.CardStatusCancelled && !c.Purged
		if neverHeld || live {
			why := []string{}
			if neverHeld {
				why = append(why, "never in state")
			}
			if live {
				why = append(why, "status "+c.Status+" after destroy")
			}
			res.Orphans = append(res.Orphans, fmt.Sprintf("%s (%s, created %s)", c.ID, strings.Join(why, ", "),
				c.Created.Format("15:04:05.000")))
		}
		if r.everInState[c.ID] && !r.finalCards[c.ID] && !r.imported[c.ID] {
			res.Replaced++
		}
	}
	perCard := map[string]int{}
	for _, t := range topUps {
		if t.Status == "Failed" {
			res.TopUpsFailed++
			continue
		}
		res.TopUpsMade++
		perCard[t.CardID]++
	}
	for card, n := range perCard {
		if n > 1 {
			res.DoubleTopUps += n - 1
			res.note("card %s has %d top-ups", card, n)
		}
	}
	if len(perCard) < res.TopUpsMade {
		res.DoubleTopUps = max(res.DoubleTopUps, res.TopUpsMade-res.TopUpsAsked)
	}
	st, err := r.readState()
	if err != nil {
		return err
	}
	res.StateLeft = len(st.cards()) + len(st.topUps())
	res.DestroyComplete = res.DestroyExit0 && res.StateLeft == 0
	for _, c := range cards {
		if r.everInState[c.ID] && c.Status != sandbox.CardStatusCancelled && !c.Purged {
			res.DestroyComplete = false
		}
	}
	res.Counters = map[string]int{}
	for k, v := range counters {
		switch {
		case strings.HasSuffix(k, ".faulted"):
			res.Faulted += v
		case strings.HasSuffix(k, ".ratelimited"):
		case k == "ApplyCard.processed", k == "CardTopUp.processed", k == "CancelCard.processed", k == "ProgramDetails",
			k == "ApplyCard", k == "CardTopUp":
			res.Counters[k] = v
		}
	}
	return nil
}
