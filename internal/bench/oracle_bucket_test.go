package bench

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// takeToken asks b for a token as a provider process of the oracle would, on a connection of
// its own, and gives up after patience.
func takeToken(t *testing.T, b *oracleBucket, patience time.Duration) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{}} // a new process: nothing shared with the last
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// The bucket is the platform's, not a process's: what one process took, the next one, which
// starts right after it, does not get again. (One token an hour: the second request cannot
// be let through within the test, however slow the machine.)
func TestOracleBucketIsSharedByEveryProcess(t *testing.T) {
	b, err := startOracleBucket(1.0 / 3600)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	if status, err := takeToken(t, b, time.Minute); err != nil || status != http.StatusNoContent {
		t.Fatalf("the first request of a full bucket: status %d, error %v; want %d at once", status, err, http.StatusNoContent)
	}
	status, err := takeToken(t, b, 200*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the next process's request: status %d, error %v; want it held back until it gave up", status, err)
	}
}

func TestOracleBucketNeedsARateLimit(t *testing.T) {
	if b, err := startOracleBucket(0); err == nil {
		b.Close()
		t.Fatal("a bucket for no rate limit: want an error (an unpaced oracle has no bucket)")
	}
}

func TestClosingNoBucketDoesNothing(t *testing.T) {
	var b *oracleBucket
	b.Close() // must not panic: RunSuite closes the bucket of every case, paced or not
}
