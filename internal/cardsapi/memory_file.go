package cardsapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
)

// memoryFile is a small JSON file in which a provider process keeps what it learnt of the
// platform's pace for the next one (Config.PaceMemoryDir): its rate (rate_memory.go) and how
// soon its tasks settle (settle_memory.go). A zero memoryFile keeps nothing.
type memoryFile struct {
	path string
	mu   *sync.Mutex // one write at a time
	// written is the version of the last record written (guarded by mu): a record copied
	// before a newer one was written must not write the old one back.
	written *uint64
}

// newMemoryFile is the file named kind of the merchant (its customer token) at baseURL in
// dir ("" = none): a platform may treat each merchant on its own, and what another
// merchant met is not for this one. The file is named by a hash of both, which are
// credentials and must not be written anywhere.
func newMemoryFile(dir, kind, baseURL, merchant string) memoryFile {
	if dir == "" {
		return memoryFile{}
	}
	sum := sha256.Sum256([]byte(baseURL + "\n" + merchant))
	return memoryFile{path: filepath.Join(dir, kind+"-"+hex.EncodeToString(sum[:8])+".json"), mu: new(sync.Mutex), written: new(uint64)}
}

// read decodes the file into v; false when there is none or it cannot be read whole.
func (f memoryFile) read(v any) bool {
	if f.path == "" {
		return false
	}
	data, err := os.ReadFile(f.path)
	return err == nil && json.Unmarshal(data, v) == nil
}

// write stores v, a record of the given version, for the next process: best effort (a lost
// write costs the next process only its start), written whole by a rename so that a reader
// never sees half of it, and never older than a record already written. Without wait it is
// skipped when another write is under way (a note the next one writes again); with wait it
// waits for it. A small file on local disk, on the request path at most every few
// milliseconds.
func (f memoryFile) write(v any, version uint64, wait bool) {
	if f.path == "" {
		return
	}
	if wait {
		f.mu.Lock()
	} else if !f.mu.TryLock() {
		return
	}
	defer f.mu.Unlock()
	if version < *f.written {
		return
	}
	*f.written = version
	data, err := json.Marshal(v)
	if err != nil || os.MkdirAll(filepath.Dir(f.path), 0o700) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".memory-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(data)
	if closeErr := tmp.Close(); err != nil || closeErr != nil || os.Rename(tmp.Name(), f.path) != nil {
		_ = os.Remove(tmp.Name())
	}
}
