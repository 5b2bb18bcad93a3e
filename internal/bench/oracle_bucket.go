package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// oracleBucket is the rate limit of the paced oracle's platform: one bucket like the
// sandbox's (sandbox.NewRateBucket), full when the case starts, that every provider process
// of the oracle's lifecycle takes its tokens from. The platform's bucket is shared the same
// way by every process of ours: Terraform runs a plan and its apply in separate processes,
// and an apply that starts right after its plan emptied the bucket waits for tokens. When
// each oracle process had a full bucket of its own, the oracle could go faster than the
// platform allows any provider to.
//
// A POST to URL is answered once the request it stands for may go (its token taken); the
// oracle then sleeps the latency (internal/bench/noop).
type oracleBucket struct {
	URL string
	srv *http.Server
}

// startOracleBucket serves a bucket of perSecond requests a second on a free loopback port.
func startOracleBucket(perSecond float64) (*oracleBucket, error) {
	bucket := sandbox.NewRateBucket(perSecond)
	if bucket == nil {
		return nil, errors.New("oracle bucket: no rate limit to pace to")
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := bucket.Wait(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable) // the process asking is gone: nobody reads this
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = srv.Serve(ln) }() // ends with ErrServerClosed at Close
	return &oracleBucket{URL: "http://" + ln.Addr().String() + "/token", srv: srv}, nil
}

// Close stops serving the bucket; a nil bucket (an oracle without a rate limit) has nothing to stop.
func (b *oracleBucket) Close() {
	if b != nil {
		_ = b.srv.Close()
	}
}
