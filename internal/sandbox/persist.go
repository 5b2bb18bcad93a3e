package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// snapshot is the state file content taken under the state lock.
type snapshot struct {
	gen  uint64
	data []byte
}

// snapshotLocked serialises the state if it changed and a state file is configured.
func (s *Server) snapshotLocked() *snapshot {
	if s.opts.StateFile == "" || !s.dirty {
		return nil
	}
	data, err := json.MarshalIndent(s.st, "", " ")
	if err != nil {
		s.logf("sandbox: encoding state: %v", err)
		return nil
	}
	s.dirty = false
	s.gen++
	return &snapshot{gen: s.gen, data: data}
}

// save writes a snapshot outside the state lock. Snapshots are numbered in the order they
// were taken, so a slow writer never replaces a newer file with an older one.
func (s *Server) save(snap *snapshot) {
	if snap == nil {
		return
	}
	s.persistMu.Lock()
	defer s.persistMu.Unlock()
	if snap.gen <= s.written {
		return
	}
	if err := writeFileAtomic(s.opts.StateFile, snap.data); err != nil {
		s.persistErr = err
		s.logf("sandbox: saving state: %v", err)
		return
	}
	s.written = snap.gen
	s.persistErr = nil
}

// writeFileAtomic writes data next to path and renames it into place, so a crash leaves
// either the old file or the new one. Mode 0600: the file holds the sandbox's card numbers.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// loadState reads a state file; a missing file is a fresh start (nil, nil).
func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading state file: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("state file %s is not valid sandbox state: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state file %s has version %d, this sandbox reads version %d", path, st.Version, stateVersion)
	}
	if st.Balances == nil {
		st.Balances = newState().Balances
	}
	if st.Cards == nil {
		st.Cards = map[string]*card{}
	}
	if st.TopUps == nil {
		st.TopUps = map[string]*topUp{}
	}
	for id, c := range st.Cards {
		if findProgram(c.ProgramID) == nil {
			return nil, fmt.Errorf("state file %s: card %s has unknown program %s", path, id, c.ProgramID)
		}
	}
	st.reindex()
	return st, nil
}
