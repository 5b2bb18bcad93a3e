package reliability

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
)

// Result is what one scenario measured.
type Result struct {
	Name        string
	What        string
	Keys        int // cards_card keys
	TopUpsAsked int
	Dir         string

	ApplyRuns int  // terraform apply runs, the last one the first to exit 0
	Converged bool // an apply exited 0
	Disrupted string

	CardsIssued int      // cards in the sandbox
	Duplicates  int      // cards issued beyond the keys
	Shared      int      // keys whose card another key of the final state holds too
	Replaced    int      // cards a state held that were replaced (tainted, then cancelled)
	Orphans     []string // never in any state, or not cancelled after destroy

	LostNamed, LostImported, LostNoCard             int // placeholders of lost ApplyCard answers
	InFlightNamed, InFlightImported, InFlightNoCard int // journal entries of ApplyCards in flight at a kill
	Interventions                                   int // operator decisions (one per placeholder or entry)

	TopUpsMade, TopUpsFailed, DoubleTopUps int

	PlanEmpty  bool
	PlanDetail string

	DestroyRuns     int
	DestroyExit0    bool
	DestroyComplete bool // destroy exited 0, state empty, every card a state held is cancelled
	StateLeft       int

	TaintedSeen int // tainted card instances seen in state after any command
	Faulted     int // faults the sandbox injected (sum of *.faulted; reset by a sandbox restart)
	Counters    map[string]int
	Diagnostics map[string]int // "phase: Error|Warning: summary" → times printed
	Commands    []CommandRecord

	Problems []string // the harness could not do what it should, or the provider's messages did not say what they should
	Notes    []string
	Wall     time.Duration
}

// CommandRecord is one Terraform command of a scenario.
type CommandRecord struct {
	Name  string
	Exit  int
	Took  time.Duration
	Fired string `json:",omitempty"`
	Log   string
}

func newResult(sc Scenario) *Result {
	return &Result{Name: sc.Name, What: sc.What, Keys: sc.Cards, TopUpsAsked: sc.TopUps, Diagnostics: map[string]int{}}
}

func (r *Result) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}
func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func (r *Result) addDiag(phase, summary string) { r.Diagnostics[phase+": "+summary]++ }

// Named is how many lost or in-flight ApplyCard answers the plan named; Imported how many of
// them the operator resolved by importing the card the sandbox had issued.
func (r *Result) Named() int    { return r.LostNamed + r.InFlightNamed }
func (r *Result) Imported() int { return r.LostImported + r.InFlightImported }

// Violations are the hard invariants the smoke test asserts: convergence, exactly the asked
// top-ups, no duplicate card, no orphan, an empty final plan, a complete destroy, the
// disruption fired, and the provider's messages named what they must.
func (r *Result) Violations(disruptionExpected bool) []string {
	var v []string
	if !r.Converged {
		v = append(v, fmt.Sprintf("no apply exited 0 in %d runs", r.ApplyRuns))
	}
	if r.TopUpsMade != r.TopUpsAsked || r.DoubleTopUps > 0 {
		v = append(v, fmt.Sprintf("top-ups made %d (double %d), asked %d", r.TopUpsMade, r.DoubleTopUps, r.TopUpsAsked))
	}
	if r.Duplicates > 0 {
		v = append(v, fmt.Sprintf("%d duplicate card(s): %d issued for %d keys", r.Duplicates, r.CardsIssued, r.Keys))
	}
	if r.Shared > 0 {
		v = append(v, fmt.Sprintf("%d keys share a card with another key (one card, several resources)", r.Shared))
	}
	if len(r.Orphans) > 0 {
		v = append(v, fmt.Sprintf("%d orphan card(s): %s", len(r.Orphans), strings.Join(r.Orphans, "; ")))
	}
	if !r.PlanEmpty {
		v = append(v, "final plan not empty: "+strings.ReplaceAll(r.PlanDetail, "\n", "; "))
	}
	if !r.DestroyComplete {
		v = append(v, fmt.Sprintf("destroy incomplete (last exit 0: %v, %d instance(s) left in state)", r.DestroyExit0, r.StateLeft))
	}
	if disruptionExpected && r.Disrupted == "" {
		v = append(v, "the disruption never fired (Terraform finished first)")
	}
	for _, p := range r.Problems {
		v = append(v, "problem: "+p)
	}
	return v
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// Table renders the results as a Markdown table.
func Table(results []*Result) string {
	var b strings.Builder
	b.WriteString("| Scenario | Faults / disruption | Apply runs | Cards issued / keys | Orphans | Duplicates | " +
		"Lost ApplyCard answers named / imported | Top-ups made / asked | Final plan empty | Destroy complete (runs) | " +
		"Operator interventions | Wall time |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		runs := fmt.Sprint(r.ApplyRuns)
		if !r.Converged {
			runs = fmt.Sprintf("**never converged (%d)**", r.ApplyRuns)
		}
		dup := fmt.Sprint(r.Duplicates)
		if r.Duplicates > 0 {
			dup = fmt.Sprintf("**%d**", r.Duplicates)
		}
		if r.Shared > 0 {
			dup += fmt.Sprintf(" (**%d keys share a card**)", r.Shared)
		}
		orphans := fmt.Sprint(len(r.Orphans))
		if len(r.Orphans) > 0 {
			orphans = fmt.Sprintf("**%d**", len(r.Orphans))
		}
		topUps := fmt.Sprintf("%d / %d", r.TopUpsMade, r.TopUpsAsked)
		if r.TopUpsMade != r.TopUpsAsked {
			topUps = "**" + topUps + "**"
		}
		named := fmt.Sprintf("%d / %d", r.Named(), r.Imported())
		if r.LostNoCard+r.InFlightNoCard > 0 {
			named += fmt.Sprintf(" (%d with no card issued)", r.LostNoCard+r.InFlightNoCard)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d / %d | %s | %s | %s | %s | %s | %s (%d) | %d | %s |\n",
			r.Name, r.What, runs, r.CardsIssued, r.Keys, orphans, dup, named, topUps, yesNo(r.PlanEmpty),
			yesNo(r.DestroyComplete), r.DestroyRuns, r.Interventions, r.Wall.Round(time.Second))
	}
	return b.String()
}

// Details renders the per-scenario notes: the disruption, what the provider said, the
// sandbox's counters, and anything that went wrong.
func Details(results []*Result, root string) string {
	var b strings.Builder
	for _, r := range results {
		fmt.Fprintf(&b, "### %s\n\n", r.Name)
		writeFindings(&b, r)
		fmt.Fprintf(&b, "* Commands: %s. Logs: `%s/`.\n\n", commandList(r.Commands), harness.RelPath(root, r.Dir))
	}
	return b.String()
}

// writeFindings writes a scenario's bullets up to its commands; those that would say nothing
// are left out.
func writeFindings(b *strings.Builder, r *Result) {
	if r.Disrupted != "" {
		fmt.Fprintf(b, "* Disruption: %s.\n", r.Disrupted)
	}
	if v := r.Violations(false); len(v) > 0 {
		fmt.Fprintf(b, "* **Invariant violations:**\n")
		for _, s := range v {
			fmt.Fprintf(b, "  * %s\n", s)
		}
	}
	if r.Named() > 0 || r.Interventions > 0 {
		fmt.Fprintf(b, "* Operator: %d placeholder(s) of lost ApplyCard answers named by the plan (%d imported, %d had no card: "+
			"state rm only); %d ApplyCard(s) in flight at a kill named by the plan's \"A card may already exist\" (%d imported, "+
			"%d had no card: journal entry deleted only).\n",
			r.LostNamed, r.LostImported, r.LostNoCard, r.InFlightNamed, r.InFlightImported, r.InFlightNoCard)
	}
	if r.Replaced > 0 || r.TaintedSeen > 0 {
		fmt.Fprintf(b, "* %d card(s) were replaced (held by a state, cancelled, not in the final state); card instances "+
			"seen tainted in state: %d.\n", r.Replaced, r.TaintedSeen)
	}
	if r.TopUpsFailed > 0 {
		fmt.Fprintf(b, "* %d top-up(s) failed on the platform (no money moved).\n", r.TopUpsFailed)
	}
	fmt.Fprintf(b, "* Sandbox: %d fault(s) injected; ApplyCard %d requests, %d processed; CardTopUp %d requests, %d processed; "+
		"CancelCard %d processed; ProgramDetails %d requests over %d Terraform commands.\n",
		r.Faulted, r.Counters["ApplyCard"], r.Counters["ApplyCard.processed"], r.Counters["CardTopUp"],
		r.Counters["CardTopUp.processed"], r.Counters["CancelCard.processed"], r.Counters["ProgramDetails"], len(r.Commands))
	if len(r.Diagnostics) > 0 {
		fmt.Fprintf(b, "* Diagnostics printed: %s.\n", countList(r.Diagnostics))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(b, "* %s.\n", strings.TrimSuffix(n, "."))
	}
	if !r.PlanEmpty && strings.Contains(r.PlanDetail, "\n") {
		fmt.Fprintf(b, "* Final plan:\n\n```text\n%s\n```\n", r.PlanDetail)
	}
}

// countList is "a ×2; b ×1", in key order.
func countList(counts map[string]int) string {
	parts := make([]string, 0, len(counts))
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, counts[k]))
	}
	return strings.Join(parts, "; ")
}

// commandList is the scenario's commands with their exit codes and times; the operator's
// commands in a row are one entry: "operator (plan ×1, state-rm ×2, import ×2)".
func commandList(commands []CommandRecord) string {
	var cmds []string
	for i := 0; i < len(commands); {
		c := commands[i]
		if !strings.HasPrefix(c.Name, "operator-") {
			cmds = append(cmds, fmt.Sprintf("%s→%d (%s)", c.Name, c.Exit, c.Took.Round(100*time.Millisecond)))
			i++
			continue
		}
		counts, order := map[string]int{}, []string{}
		for ; i < len(commands) && strings.HasPrefix(commands[i].Name, "operator-"); i++ {
			name := strings.TrimPrefix(commands[i].Name, "operator-")
			if counts[name] == 0 {
				order = append(order, name)
			}
			counts[name]++
		}
		var parts []string
		for _, name := range order {
			parts = append(parts, fmt.Sprintf("%s ×%d", name, counts[name]))
		}
		cmds = append(cmds, "operator ("+strings.Join(parts, ", ")+")")
	}
	return strings.Join(cmds, ", ")
}

const badInputHeading = "## Bad input"

// WriteReport writes RELIABILITY.md. Everything from the "## Bad input" heading on is kept
// from the existing file: that section is maintained by hand.
func WriteReport(path string, env *Env, command string, results []*Result, total time.Duration) error {
	tail := badInputHeading + "\n\nAnother section will be added here: how the provider handles bad input (invalid " +
		"configuration, values the platform refuses).\n"
	if old, err := harness.ReadFile(path); err == nil {
		if i := strings.Index(string(old), "\n"+badInputHeading); i >= 0 {
			tail = string(old[i+1:])
		}
	}
	var b strings.Builder
	b.WriteString("# Reliability\n\n")
	b.WriteString("How `terraform-provider-cards` behaves when the Cards API or the Terraform run fails: measured by " +
		"`make reliability` (package `internal/reliability`) against the local sandbox with injected faults. Everything above " +
		"\"Bad input\" is generated; do not edit it by hand.\n\n")
	b.WriteString("## How it was measured\n\n")
	fmt.Fprintf(&b, "* Machine: %s.\n", env.Machine())
	fmt.Fprintf(&b, "* Command: `%s`, %s for the whole matrix, on %s.\n", command, total.Round(time.Second),
		time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	b.WriteString("* Per scenario: a fresh `cards-sandbox` process (built from this checkout) on a free loopback port with " +
		"a state file and the scenario's faults (`-task-delay 2s` unless stated); a configuration of `cards_card` keys (the " +
		"virtual program, `for_each`) and `cards_card_topup` of \"10\" onto distinct cards (`timeouts { create = \"20s\" }`), " +
		"provider `requests_per_second = 1000`; the provider built from this checkout through `dev_overrides` (no init).\n")
	b.WriteString("* `terraform apply -auto-approve` until it exits 0 (at most 8 runs). Between runs the harness acts as the " +
		"operator the provider's errors address: for each `unconfirmed-…` placeholder in state (a lost ApplyCard answer) and " +
		"each unanswered card entry in the provider's journal (a run killed with ApplyCard in flight) it first runs a plan " +
		"and checks that the plan names it, then finds the card the sandbox issued that no state holds (`GET /sandbox/cards`) " +
		"and `terraform state rm` + `terraform import`s it (or only `state rm`s / deletes the journal entry when no card was " +
		"issued). Then `terraform plan -detailed-exitcode` must exit 0, and `terraform destroy -auto-approve` runs until it " +
		"exits 0. Faults stay on for the plan and the destroy.\n")
	b.WriteString("* Disruptions fire once, when a sandbox counter (`GET /sandbox/counters`) has grown by the threshold " +
		"since the run began, so operations are in flight: SIGINT goes to the terraform process only; SIGKILL goes to " +
		"terraform and then to its provider plugin (a lost CI runner takes both); the sandbox restart is a SIGKILL of the " +
		"sandbox and a start on the same port and state file.\n")
	b.WriteString("* Measured from the sandbox's own records after the destroy: cards issued; duplicates = cards issued " +
		"beyond the keys (an imported card is the card of its key, not a duplicate), and keys of the final state whose card " +
		"another key holds too (\"share a card\"); orphans = cards never held by any " +
		"state plus cards not cancelled after the destroy; top-ups made = the sandbox's top-ups that did not fail.\n\n")
	b.WriteString("## Results\n\n")
	b.WriteString(Table(results))
	b.WriteString("\n\"Lost ApplyCard answers named / imported\": placeholders and in-flight journal entries that the next " +
		"plan named, and how many of them the operator resolved by importing the card the sandbox had issued (the rest had " +
		"no card: the request never reached the platform). \"Operator interventions\": one per placeholder or journal entry " +
		"decided. \"Destroy complete\": destroy exited 0, the state is empty and every card a state held is cancelled.\n\n")
	b.WriteString("## Scenario details\n\n")
	b.WriteString(Details(results, env.Root))
	b.WriteString(tail)
	return harness.WriteFile(path, []byte(b.String()))
}
