package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

const (
	maxWebhookRetryDelay = 30 * time.Second
	webhookTimeout       = 5 * time.Second
)

// notifyLocked queues a internal/cardsapi/API.md §7 webhook; without a CallbackURL it is dropped.
func (s *Server) notifyLocked(ev webhookJSON) {
	if s.hooks != nil {
		s.hooks.enqueue(ev)
	}
}

// notifier delivers webhooks one at a time, in the order they were raised, retrying each
// with doubling delays until the receiver acknowledges it with {"code": 0}.
type notifier struct {
	url    string
	base   time.Duration
	client *http.Client
	stats  *counters
	logf   func(string, ...any)

	mu    sync.Mutex
	queue []*delivery
	wake  chan struct{}
}

type delivery struct {
	ev       webhookJSON
	attempts int
	next     time.Time
}

func newNotifier(url string, base time.Duration, stats *counters, logf func(string, ...any)) *notifier {
	return &notifier{
		url: url, base: base, stats: stats, logf: logf,
		client: &http.Client{Timeout: webhookTimeout},
		wake:   make(chan struct{}, 1),
	}
}

func (n *notifier) enqueue(ev webhookJSON) {
	n.mu.Lock()
	n.queue = append(n.queue, &delivery{ev: ev, next: time.Now()})
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// run delivers until done is closed. Undelivered webhooks are dropped then: they are a
// courtesy to merchants' receivers, not part of the state.
func (n *notifier) run(done <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-done
		cancel()
	}()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		n.mu.Lock()
		var d *delivery
		wait := time.Hour
		if len(n.queue) > 0 {
			head := n.queue[0]
			if until := time.Until(head.next); until <= 0 {
				d = head
			} else {
				wait = until
			}
		}
		n.mu.Unlock()

		if d != nil {
			if n.send(ctx, d) {
				n.mu.Lock()
				n.queue = n.queue[1:]
				n.mu.Unlock()
			} else {
				d.attempts++
				delay := n.base << min(d.attempts-1, 16)
				d.next = time.Now().Add(min(delay, maxWebhookRetryDelay))
			}
			select {
			case <-done:
				return
			default:
			}
			continue
		}
		timer.Reset(wait)
		select {
		case <-done:
			return
		case <-n.wake:
		case <-timer.C:
		}
	}
}

// send POSTs one webhook and reports whether it was acknowledged.
func (n *notifier) send(ctx context.Context, d *delivery) bool {
	n.stats.inc("webhook.attempts")
	body, _ := json.Marshal(d.ev)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		n.logf("sandbox: webhook %s for card %s: %v (will retry)", d.ev.NotifyType, d.ev.CardID, err)
		return false
	}
	defer resp.Body.Close()
	var ack struct {
		Code json.RawMessage `json:"code"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	acked := resp.StatusCode/100 == 2 && json.Unmarshal(data, &ack) == nil &&
		(string(ack.Code) == "0" || string(ack.Code) == `"0"`)
	if !acked {
		n.logf("sandbox: webhook %s for card %s not acknowledged (HTTP %d; will retry)", d.ev.NotifyType, d.ev.CardID, resp.StatusCode)
		return false
	}
	n.stats.inc("webhook.delivered")
	return true
}
