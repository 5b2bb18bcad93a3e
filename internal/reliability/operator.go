package reliability

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
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
	placeholders := placeholdersIn(st)
	inFlight, answered := splitJournal(entries)
	if len(placeholders) == 0 && len(inFlight) == 0 {
		return
	}

	// Requests still inside the sandbox's latency when Terraform stopped land now.
	time.Sleep(r.sc.Latency + 500*time.Millisecond)
	r.checkPlanNames(placeholders, inFlight)

	cards, err := r.sandbox().Cards()
	if err != nil {
		r.res.problem("operator: listing the sandbox's cards: %v", err)
		return
	}
	found := orphanCandidates(cards, r.heldIDs(), answered)
	r.resolvePlaceholders(placeholders, &found)
	if len(inFlight) > 0 && !r.resolveInFlight(inFlight, &found) {
		return
	}
	if len(found) > 0 {
		var ids []string
		for _, c := range found {
			ids = append(ids, c.ID)
		}
		r.res.note("the operator found %d more card(s) that no state holds and nothing named: %s", len(ids), strings.Join(ids, ", "))
	}
}

// placeholdersIn are the card instances whose id is a placeholder: lost ApplyCard answers.
func placeholdersIn(st tfState) []stateInstance {
	var placeholders []stateInstance
	for _, in := range st.cards() {
		if isPlaceholder(in.ID) {
			placeholders = append(placeholders, in)
		}
	}
	return placeholders
}

// splitJournal sorts the journal's card entries: those without an answer (in flight at a
// kill), and the card ids of those with one (lower case).
func splitJournal(entries []journalEntry) (inFlight []journalEntry, answered map[string]bool) {
	answered = map[string]bool{}
	for _, e := range entries {
		switch {
		case e.Kind != "card":
		case e.ID == "":
			inFlight = append(inFlight, e)
		default:
			answered[strings.ToLower(e.ID)] = true
		}
	}
	return inFlight, answered
}

// checkPlanNames runs the plan a user would run next and checks that it names each
// placeholder and each in-flight journal entry, with the advice the operator then follows.
func (r *run) checkPlanNames(placeholders []stateInstance, inFlight []journalEntry) {
	plan := r.terraform("operator-plan", nil, "plan", "-input=false", "-no-color")
	r.observe("operator", plan)
	flat := flatten(plan.Output)
	for _, p := range placeholders {
		if strings.Contains(flat, "Card application outcome unknown") && strings.Contains(flat, p.ID) &&
			strings.Contains(flat, "terraform state rm") && strings.Contains(flat, "terraform import") {
			r.res.LostNamed++
		} else {
			r.res.problem("the plan does not name the placeholder %s of %s with state rm + import advice (see %s)",
				p.ID, p.Address, harness.RelPath(r.env.Root, plan.Log))
		}
	}
	for _, e := range inFlight {
		if strings.Contains(flat, "A card may already exist") && strings.Contains(flat, e.Attempt+".json") {
			r.res.InFlightNamed++
		} else {
			r.res.problem("the plan does not stop with \"A card may already exist\" naming journal entry %s.json (see %s)",
				e.Attempt, harness.RelPath(r.env.Root, plan.Log))
		}
	}
}

// heldIDs are the card ids (lower case) that a state held or the operator imported.
func (r *run) heldIDs() map[string]bool {
	held := map[string]bool{}
	for id := range r.everInState {
		held[strings.ToLower(id)] = true
	}
	for id := range r.imported {
		held[strings.ToLower(id)] = true
	}
	return held
}

// takeOldest hands out the oldest of the found cards.
func takeOldest(found *[]sandbox.CardInfo) (sandbox.CardInfo, bool) {
	if len(*found) == 0 {
		return sandbox.CardInfo{}, false
	}
	c := (*found)[0]
	*found = (*found)[1:]
	return c, true
}

// resolvePlaceholders removes each placeholder from the state and imports a found card in its
// place; with none found, nothing was issued and the next apply applies again.
func (r *run) resolvePlaceholders(placeholders []stateInstance, found *[]sandbox.CardInfo) {
	for _, p := range placeholders {
		r.res.Interventions++
		if !r.stateRm(p.Address) {
			continue
		}
		if c, ok := takeOldest(found); ok {
			if r.importCard(p.Address, c.ID) {
				r.res.LostImported++
			}
		} else {
			r.res.LostNoCard++
		}
	}
}

// resolveInFlight imports a found card for each in-flight journal entry, onto a key that has
// no card in state, and deletes the entry. It reports false when it could not read the state.
func (r *run) resolveInFlight(inFlight []journalEntry, found *[]sandbox.CardInfo) bool {
	free, err := r.missingCardKeys()
	if err != nil {
		r.res.problem("operator: reading the state: %v", err)
		return false
	}
	for _, e := range inFlight {
		r.res.Interventions++
		if c, ok := takeOldest(found); ok {
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
	return true
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
		r.res.problem("operator: terraform state rm %s failed (see %s)", addr, harness.RelPath(r.env.Root, tr.Log))
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
	sb := r.sandbox()
	cards, err := sb.Cards()
	if err != nil {
		return err
	}
	topUps, err := sb.TopUps()
	if err != nil {
		return err
	}
	counters, err := sb.Counters()
	if err != nil {
		return err
	}
	r.countCards(cards)
	r.countTopUps(topUps)
	st, err := r.readState()
	if err != nil {
		return err
	}
	r.checkDestroy(st, cards)
	r.res.Counters = map[string]int{}
	for k, v := range counters {
		switch {
		case strings.HasSuffix(k, ".faulted"):
			r.res.Faulted += v
		case reportedCounters[k]:
			r.res.Counters[k] = v
		}
	}
	return nil
}

// reportedCounters are the sandbox counters the report shows.
var reportedCounters = map[string]bool{"ApplyCard": true, "ApplyCard.processed": true, "CardTopUp": true,
	"CardTopUp.processed": true, "CancelCard.processed": true, "ProgramDetails": true}

// countCards counts the cards issued, the duplicates, the orphans and the replaced cards.
func (r *run) countCards(cards []sandbox.CardInfo) {
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
}

// countTopUps counts the top-ups made and failed, and those beyond one per card.
func (r *run) countTopUps(topUps []sandbox.TopUpInfo) {
	res := r.res
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
}

// checkDestroy decides whether the destroy was complete: it exited 0, the state is empty and
// every card a state held is cancelled.
func (r *run) checkDestroy(st tfState, cards []sandbox.CardInfo) {
	res := r.res
	res.StateLeft = len(st.cards()) + len(st.topUps())
	res.DestroyComplete = res.DestroyExit0 && res.StateLeft == 0
	for _, c := range cards {
		if r.everInState[c.ID] && c.Status != sandbox.CardStatusCancelled && !c.Purged {
			res.DestroyComplete = false
		}
	}
}
