package latchkey

import (
	"errors"
	"fmt"
	"time"
)

// Error codes classify expected outcomes. They are stable strings, safe to log and to test.
const (
	CodeInvalid      = "invalid"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeThrottled    = "throttled"
	CodeExpired      = "expired"
	CodeInternal     = "internal"
	// CodeUnavailable is a refusal for want of capacity: the database does not answer, or
	// password hashing is saturated. It ends by itself; RetryAfter says when to try again.
	CodeUnavailable = "unavailable"
)

// ErrNotFound is returned by stores when the thing asked for does not exist (or belongs to
// another workspace, which callers cannot tell apart on purpose).
var ErrNotFound = &Error{Code: CodeNotFound, Message: MsgNotFound}

// ErrConflict is returned by stores when a create or update would break a uniqueness rule.
var ErrConflict = &Error{Code: CodeConflict, Message: MsgConflict}

// Error is an expected outcome that a user may see. Message is always one of the constants in
// messages.go; Field names the form field it is about, when there is one. RetryAfter is set with
// CodeThrottled. Err, when set, is the cause kept for logs.
type Error struct {
	Code       string
	Message    string
	Field      string
	RetryAfter time.Duration
	Err        error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("latchkey %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("latchkey %s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, ErrNotFound) holds for every not-found error whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// NewError returns an *Error with the given code and message, for a form field when field is
// not empty. (It formats nothing: message is always a messages.go constant or built from one.)
func NewError(code, field, message string) *Error {
	return &Error{Code: code, Field: field, Message: message}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, CodeInternal for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the user-visible message of err: the *Error's message, or the generic
// MsgInternal for anything else, so that internal detail never reaches a page.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return MsgInternal
}
