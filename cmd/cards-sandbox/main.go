// Command cards-sandbox runs the in-memory Cards API sandbox (internal/sandbox) on a TCP
// address until SIGINT or SIGTERM. It prints the base URL, the customer token, the merchant
// key file and the export lines that point the provider at it.
//
// Flags inject faults (-latency; -error-rate, -throttle-rate answered before processing;
// -lose-response-rate, -late-answer-rate with -late-answer-delay, -error-after-processing-rate
// answered after processing), impose the platform's own rate limit (-rate-limit) and rename
// card and top-up statuses on the wire (-status-names Active=Normal,Frozen=Locked). All of
// them can be changed while it runs through the loopback control API under /sandbox/ (see
// the internal/sandbox package documentation).
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "cards-sandbox:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("cards-sandbox", flag.ContinueOnError)
	var (
		addr          = fl.String("addr", "127.0.0.1:8080", "listen address host:port (port 0 picks a free port)")
		token         = fl.String("customer-token", sandbox.DefaultCustomerToken, "customerToken the sandbox accepts")
		publicKeyFile = fl.String("public-key", "", "merchant RSA public key (PEM); default: use or generate -key-out")
		keyOut        = fl.String("key-out", "./sandbox-merchant-key.pem", "merchant private key file: reused if present, else generated (mode 0600)")
		taskDelay     = fl.Duration("task-delay", 2*time.Second, "how long accepted operations and top-ups take")
		kycDelay      = fl.Duration("kyc-review-delay", 3*time.Second, "how long a KYC review takes")
		retention     = fl.Duration("cancelled-retention", 10*time.Minute, "how long a cancelled card still answers CardDetails before 404")
		latency       = fl.Duration("latency", 0, "added to every API request; a request is processed even if the client gives up meanwhile")
		errorRate     = fl.Float64("error-rate", 0, "share of API requests answered 500/503 before processing (0..1)")
		throttleRate  = fl.Float64("throttle-rate", 0, "share of API requests answered 429 before processing (0..1)")
		loseRate      = fl.Float64("lose-response-rate", 0, "share of API requests processed and then left unanswered (0..1)")
		lateRate      = fl.Float64("late-answer-rate", 0, "share of API requests processed and then answered only after -late-answer-delay (0..1)")
		lateDelay     = fl.Duration("late-answer-delay", 30*time.Second, "how long a late answer is held back")
		errAfterRate  = fl.Float64("error-after-processing-rate", 0, "share of API requests processed and then answered 500 (0..1)")
		rateLimit     = fl.Float64("rate-limit", 0, "the platform's limit in API requests per second (burst ⌈R⌉), answered 429 with Retry-After beyond it; 0 = none")
		statusNames   = fl.String("status-names", "", statusNamesHelp)
		stateFile     = fl.String("state-file", "", "persist the state to this JSON file and reload it at start")
		callbackURL   = fl.String("callback-url", "", "POST the platform's webhooks (internal/cardsapi/API.md §7) to this URL")
		readyFile     = fl.String("ready-file", "", "write the base URL to this file once listening (removed on exit)")
		quiet         = fl.Bool("quiet", false, "do not log requests")
	)
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "Usage: cards-sandbox [flags]\n\n"+
			"Runs the in-memory Cards API sandbox until SIGINT or SIGTERM. Faults, the rate limit and\n"+
			"the status names can also be changed while it runs, through the loopback control API\n"+
			"(PUT /sandbox/faults, /sandbox/rate-limit, /sandbox/status-names).\n\nFlags:")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fl.Args())
	}

	names, err := parseStatusNames(*statusNames)
	if err != nil {
		return err
	}
	opts := sandbox.Options{
		CustomerToken: *token, TaskDelay: *taskDelay, KYCReviewDelay: *kycDelay, CancelledRetention: *retention,
		Latency: *latency, ErrorRate: *errorRate, ThrottleRate: *throttleRate, LoseResponseRate: *loseRate,
		LateAnswerRate: *lateRate, LateAnswerDelay: *lateDelay, ErrorAfterRate: *errAfterRate,
		StatusNames: names, RateLimit: *rateLimit,
		StateFile: *stateFile, CallbackURL: *callbackURL,
	}
	if !*quiet {
		logger := log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds)
		opts.Logf = logger.Printf
	}

	keyPath, keyNote := "", ""
	if *publicKeyFile != "" {
		pemText, err := os.ReadFile(*publicKeyFile)
		if err != nil {
			return err
		}
		if opts.PublicKey, err = signing.ParsePublicKey(pemText); err != nil {
			return fmt.Errorf("%s: %w", *publicKeyFile, err)
		}
		keyNote = "public key " + *publicKeyFile + " (sign with the matching private key)"
	} else {
		var (
			key *rsa.PrivateKey
			err error
		)
		keyPath, err = filepath.Abs(*keyOut)
		if err != nil {
			return err
		}
		key, keyNote, err = loadOrGenerateKey(keyPath)
		if err != nil {
			return err
		}
		opts.PublicKey = &key.PublicKey
	}

	// Catch signals before announcing readiness, so a script that signals as soon as the
	// ready file appears cannot kill the process uncleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := sandbox.StartAt(*addr, opts)
	if err != nil {
		return err
	}
	defer srv.Close() // idempotent; covers the early returns below

	fmt.Printf("cards-sandbox: API base URL: %s\n", srv.URL)
	fmt.Printf("cards-sandbox: control URL: %s (loopback only)\n", srv.ControlURL)
	fmt.Printf("cards-sandbox: customer token: %s\n", srv.CustomerToken)
	if keyPath != "" {
		fmt.Printf("cards-sandbox: merchant private key: %s (%s)\n", keyPath, keyNote)
	} else {
		fmt.Printf("cards-sandbox: merchant key: %s\n", keyNote)
	}
	fmt.Printf("export CARDS_BASE_URL=%s\n", shellQuote(srv.URL))
	fmt.Printf("export CARDS_CUSTOMER_TOKEN=%s\n", shellQuote(srv.CustomerToken))
	if keyPath != "" {
		fmt.Printf("export CARDS_PRIVATE_KEY_FILE=%s\n", shellQuote(keyPath))
	} else {
		fmt.Println("export CARDS_PRIVATE_KEY_FILE=/path/to/the/matching/private-key.pem")
	}

	if *readyFile != "" {
		if err := writeFileAtomic(*readyFile, []byte(srv.URL+"\n"), 0o644); err != nil {
			return fmt.Errorf("writing ready file: %w", err)
		}
		defer os.Remove(*readyFile)
	}

	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "cards-sandbox: shutting down")
	return srv.Close()
}

const statusNamesHelp = "rename statuses on the wire only, e.g. Active=Normal,Frozen=Locked,Pending=Processing,Success=Done\n" +
	"(card statuses Pending, KycReview, KycRejected, AwaitingBinding, Active, Frozen, Cancelled;\n" +
	"top-up statuses Pending, Success, Failed; Pending names both)"

// parseStatusNames reads -status-names: comma-separated status=name pairs. The sandbox checks
// the statuses and names themselves.
func parseStatusNames(text string) (map[string]string, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	names := map[string]string{}
	for _, pair := range strings.Split(text, ",") {
		if strings.TrimSpace(pair) == "" {
			continue // tolerate a trailing comma
		}
		status, name, found := strings.Cut(pair, "=")
		status, name = strings.TrimSpace(status), strings.TrimSpace(name)
		if !found || status == "" {
			return nil, fmt.Errorf("-status-names: %q is not status=name (e.g. Active=Normal)", strings.TrimSpace(pair))
		}
		if _, dup := names[status]; dup {
			return nil, fmt.Errorf("-status-names: %s is listed twice", status)
		}
		names[status] = name
	}
	return names, nil
}

// loadOrGenerateKey reuses the key at path so a restarted sandbox (e.g. with -state-file)
// keeps working with the provider's configuration; otherwise it writes a new 2048-bit key.
func loadOrGenerateKey(path string) (*rsa.PrivateKey, string, error) {
	pemText, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := signing.ParsePrivateKey(pemText)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w (delete it to generate a new key)", path, err)
		}
		return key, "reused", nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, "", err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, "", err
	}
	pemText, err = signing.EncodePrivateKeyPKCS8(key)
	if err != nil {
		return nil, "", err
	}
	if err := writeFileAtomic(path, pemText, 0o600); err != nil {
		return nil, "", fmt.Errorf("writing merchant key: %w", err)
	}
	return key, "generated", nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote makes a value safe to paste into a POSIX shell.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + regexp.MustCompile(`'`).ReplaceAllString(s, `'\''`) + "'"
}
