package sandbox

import (
	"fmt"
	"sort"
	"strings"
)

// renamableStatuses are the keys Options.StatusNames accepts: the card statuses, then the
// top-up statuses not already among them (Pending is both).
var renamableStatuses = append(append([]string(nil), cardStatuses...), StatusSuccess, StatusFailed)

// normalizeStatusNames checks a rename table and keys it by the sandbox's own spelling.
func normalizeStatusNames(names map[string]string) (map[string]string, error) {
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same error for the same table
	out := make(map[string]string, len(names))
	for _, key := range keys {
		name := names[key]
		canonical := ""
		for _, st := range renamableStatuses {
			if strings.EqualFold(st, strings.TrimSpace(key)) {
				canonical = st
			}
		}
		switch {
		case canonical == "":
			return nil, fmt.Errorf("status names: unknown status %q (want one of %s)", key, strings.Join(renamableStatuses, ", "))
		case strings.TrimSpace(name) == "":
			return nil, fmt.Errorf("status names: status %s is renamed to an empty name", canonical)
		}
		if prev, seen := out[canonical]; seen && prev != name {
			return nil, fmt.Errorf("status names: status %s is renamed twice (%q and %q)", canonical, prev, name)
		}
		out[canonical] = name
	}
	return out, nil
}

// wireStatusLocked is how the API spells one of the sandbox's card or top-up statuses.
func (s *Server) wireStatusLocked(status string) string {
	if name, found := s.statusNames[status]; found {
		return name
	}
	return status
}

// wireStatusesLocked is wireStatusLocked of each, joined by " or ".
func (s *Server) wireStatusesLocked(statuses []string) string {
	out := make([]string, len(statuses))
	for i, st := range statuses {
		out[i] = s.wireStatusLocked(st)
	}
	return strings.Join(out, " or ")
}

// SetStatusNames replaces Options.StatusNames: how card and top-up statuses are spelled on
// the wire (see the package documentation). nil or an empty map restores the sandbox's own
// names. Keys match case-insensitively; an unknown key or an empty name is an error.
func (s *Server) SetStatusNames(names map[string]string) error {
	table, err := normalizeStatusNames(names)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.statusNames = table
	s.mu.Unlock()
	return nil
}

// StatusNames returns the renames in force, keyed by the sandbox's own status names.
func (s *Server) StatusNames() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.statusNames))
	for k, v := range s.statusNames {
		out[k] = v
	}
	return out
}
