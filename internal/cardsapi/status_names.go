package cardsapi

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The vendor's documentation never lists the values of a card's status, nor the in-progress
// values of a top-up's. This client assumes the names below (API.md, "Statuses"); a platform
// that names them differently is mapped onto them with Config.CardStatusMap and
// Config.TopUpStatusMap, and a status that is neither known nor mapped is reported verbatim
// and stops a wait after Config.UnknownStatusGrace (UnknownStatusError).

// CardStatuses are the lifecycle statuses of a card, in this client's names.
var CardStatuses = []string{
	CardStatusPending, CardStatusKYCReview, CardStatusKYCRejected, CardStatusAwaitingBinding,
	CardStatusActive, CardStatusFrozen, CardStatusCancelled,
}

// TopUpStatusPending is this client's name for a top-up still being processed.
const TopUpStatusPending = "Pending"

// TopUpStatuses are the statuses a top-up's status may be mapped onto.
var TopUpStatuses = []string{StatusSuccess, StatusFailed, TopUpStatusPending}

// knownTopUpStatuses also recognises in-progress names other platforms use, so that they
// count as "not settled yet" rather than unknown.
var knownTopUpStatuses = []string{StatusSuccess, StatusFailed, TopUpStatusPending, "Processing", "InProgress"}

// DefaultUnknownStatusGrace is how long a wait tolerates a status it does not know before it
// stops and says so: long enough for a transitional name to pass, far shorter than a timeout.
const DefaultUnknownStatusGrace = 30 * time.Second

// statusNames translates platform status names into this client's.
type statusNames struct {
	card, topUp map[string]string // lower-case platform name -> client name
}

func newStatusNames(card, topUp map[string]string) (statusNames, error) {
	var n statusNames
	var err error
	if n.card, err = statusMap("card status", card, CardStatuses); err != nil {
		return n, err
	}
	n.topUp, err = statusMap("top-up status", topUp, TopUpStatuses)
	return n, err
}

func statusMap(what string, m map[string]string, targets []string) (map[string]string, error) {
	out := make(map[string]string, len(m))
	for from, to := range m {
		from = strings.TrimSpace(from)
		if from == "" {
			return nil, fmt.Errorf("a %s map has an empty platform name", what)
		}
		target := canonicalName(targets, to)
		if target == "" {
			return nil, fmt.Errorf("%s %q is mapped to %q, which is not one of %s", what, from, to, strings.Join(targets, ", "))
		}
		out[strings.ToLower(from)] = target
	}
	return out, nil
}

// canonicalName returns the entry of names equal to s without case, or "".
func canonicalName(names []string, s string) string {
	for _, n := range names {
		if strings.EqualFold(n, strings.TrimSpace(s)) {
			return n
		}
	}
	return ""
}

// cardStatus is the client's name for a card status the platform reported: mapped, the
// known name as spelt here, or the platform's text verbatim when it is unknown.
func (n statusNames) cardStatus(s string) string {
	return translate(n.card, CardStatuses, s)
}

// topUpStatus is cardStatus for top-ups and transactions.
func (n statusNames) topUpStatus(s string) string {
	return translate(n.topUp, knownTopUpStatuses, s)
}

func translate(m map[string]string, known []string, s string) string {
	s = strings.TrimSpace(s)
	if to, ok := m[strings.ToLower(s)]; ok {
		return to
	}
	if c := canonicalName(known, s); c != "" {
		return c
	}
	return s
}

// IsKnownCardStatus reports whether s (as the client returns it) is a lifecycle status.
func IsKnownCardStatus(s string) bool { return canonicalName(CardStatuses, s) != "" }

// IsKnownTopUpStatus reports whether s (as the client returns it) is a top-up status it knows.
func IsKnownTopUpStatus(s string) bool { return canonicalName(knownTopUpStatuses, s) != "" }

// UnknownStatusError says a wait kept seeing a status it does not know: the platform may name
// a lifecycle status differently, which the provider's status maps fix.
type UnknownStatusError struct {
	What    string // "card" or "top-up"
	ID      string
	Status  string // verbatim
	Target  []string
	Known   []string
	Setting string // the provider setting that maps it
}

func (e *UnknownStatusError) Error() string {
	return fmt.Sprintf("%s %q reports status %q, which the provider does not know (it knows %s, and was waiting for %s). "+
		"If %q is one of those under another name, map it in the provider block: %s = { %q = \"<the status it means>\" }",
		e.What, e.ID, e.Status, strings.Join(e.Known, ", "), strings.Join(e.Target, " or "), e.Status,
		e.Setting, e.Status)
}

// IsUnknownStatus reports whether err is an *UnknownStatusError.
func IsUnknownStatus(err error) bool {
	var u *UnknownStatusError
	return errors.As(err, &u)
}
