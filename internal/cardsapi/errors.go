package cardsapi

import (
	"errors"
	"fmt"
)

// ErrorKind classifies a failed call so callers can decide without parsing text.
type ErrorKind string

const (
	KindNotFound       ErrorKind = "not found"       // 404 or remarks "Record Not Found"
	KindRefused        ErrorKind = "refused"         // status "Failed" (200 or 4xx): the platform said no, see Remarks
	KindUnauthorized   ErrorKind = "unauthorized"    // 401 / 403
	KindThrottled      ErrorKind = "throttled"       // 429 after retries
	KindServer         ErrorKind = "server error"    // 5xx after retries
	KindTransport      ErrorKind = "network error"   // no HTTP answer (refused connection, timeout, reset)
	KindOutcomeUnknown ErrorKind = "outcome unknown" // a card-creating or money-moving call may have been processed
	KindDecode         ErrorKind = "bad response"    // an answer the client could not understand
)

// Error is every error the client returns for a failed call. It never holds a secret: Excerpt
// is a short, redacted piece of the response body.
type Error struct {
	Kind       ErrorKind
	Operation  string // e.g. "ApplyCard"
	HTTPStatus int    // 0 when no HTTP answer arrived
	Remarks    string // the platform's reason, when it gave one
	Excerpt    string // redacted body excerpt, when there was no usable remarks
	Err        error  // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s", e.Operation, e.Kind)
	if e.HTTPStatus != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.HTTPStatus)
	}
	if e.Remarks != "" {
		msg += ": " + e.Remarks
	} else if e.Excerpt != "" {
		msg += ": " + e.Excerpt
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	switch e.Kind {
	case KindOutcomeUnknown:
		msg += ". " + outcomeUnknownAdvice(e.Operation)
	case KindUnauthorized:
		msg += " (check the customer token, and that the merchant platform holds the public key of the signing key)"
	}
	return msg
}

// outcomeUnknownAdvice says plainly what may have happened and how to check before retrying,
// since retrying blindly could create a second card or move money twice.
func outcomeUnknownAdvice(operation string) string {
	switch operation {
	case "ApplyCard":
		return "The request may have reached the platform, so the card may have been created: check the merchant platform for a new card (and import it as a `cards_card` resource) before retrying"
	case "Binding":
		return "The request may have reached the platform, so the card may have been bound: check the card's status on the merchant platform (or refresh the `cards_card` resource) before retrying"
	case "CardTopUp":
		return "The request may have reached the platform, so the top-up may have been processed: check the card's balance, transactions or the top-up status on the merchant platform before retrying"
	}
	return "The request may have reached the platform and been processed: check the merchant platform before retrying"
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a client error, or "" for any other error.
func KindOf(err error) ErrorKind {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Kind
	}
	return ""
}

// IsNotFound reports whether err says the object does not exist.
func IsNotFound(err error) bool { return KindOf(err) == KindNotFound }

// IsRefused reports whether the platform refused the operation (status "Failed").
func IsRefused(err error) bool { return KindOf(err) == KindRefused }

// IsOutcomeUnknown reports whether a card-creating or money-moving call may have been
// processed although no answer arrived.
func IsOutcomeUnknown(err error) bool { return KindOf(err) == KindOutcomeUnknown }

// RemarksOf returns the platform's remarks carried by err, if any.
func RemarksOf(err error) string {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Remarks
	}
	return ""
}
