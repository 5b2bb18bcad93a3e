package cardsapi

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"weak"
)

// ReferenceData is the platform's own lists that KYC values refer to (API.md §4 rows 10 and 11):
// every country (/Countries) and every town (/Towns without a country).
type ReferenceData struct {
	Countries []Country
	Towns     []Town
}

// CountryByID returns the country with this platform id, or nil.
func (d *ReferenceData) CountryByID(id string) *Country {
	for i := range d.Countries {
		if strings.TrimSpace(string(d.Countries[i].ID)) == strings.TrimSpace(id) {
			return &d.Countries[i]
		}
	}
	return nil
}

// CountryByISO3 returns the country with this ISO 3166-1 alpha-3 code (without case), or nil.
func (d *ReferenceData) CountryByISO3(code string) *Country {
	for i := range d.Countries {
		if strings.EqualFold(strings.TrimSpace(d.Countries[i].ISOThree), strings.TrimSpace(code)) {
			return &d.Countries[i]
		}
	}
	return nil
}

// Town returns the town with this id or code (API.md §5.3 allows both; the code without case), or nil.
func (d *ReferenceData) Town(idOrCode string) *Town {
	idOrCode = strings.TrimSpace(idOrCode)
	for i := range d.Towns {
		if strings.TrimSpace(string(d.Towns[i].ID)) == idOrCode || strings.EqualFold(strings.TrimSpace(string(d.Towns[i].Code)), idOrCode) {
			return &d.Towns[i]
		}
	}
	return nil
}

// referenceEntry holds one client's reference data once it has been read.
type referenceEntry struct {
	mu   sync.Mutex
	data *ReferenceData
}

// referenceCache maps each Client (weakly: an entry goes when its client does) to its entry.
// It lives beside the Client rather than in it so that the lists are read at most once per
// client, i.e. once per provider process, whatever the number of cards planned.
var referenceCache sync.Map // weak.Pointer[Client] -> *referenceEntry

// ReferenceData returns the platform's countries and towns, read once per Client and kept for
// its life. A failed read is not kept: the next caller tries again.
func (c *Client) ReferenceData(ctx context.Context) (*ReferenceData, error) {
	key := weak.Make(c)
	v, loaded := referenceCache.LoadOrStore(key, &referenceEntry{})
	if !loaded {
		runtime.AddCleanup(c, func(k weak.Pointer[Client]) { referenceCache.Delete(k) }, key)
	}
	entry := v.(*referenceEntry) //nolint:forcetypeassert // only *referenceEntry is stored
	entry.mu.Lock()
	defer entry.mu.Unlock()
	if entry.data != nil {
		return entry.data, nil
	}
	countries, err := c.Countries(ctx)
	if err != nil {
		return nil, err
	}
	towns, err := c.Towns(ctx, "")
	if err != nil {
		return nil, err
	}
	entry.data = &ReferenceData{Countries: countries, Towns: towns}
	return entry.data, nil
}
