package models

import (
	"errors"
	"strings"
)

// Error codes: the transport-neutral class of an error. REST and GraphQL map
// them to HTTP statuses and extensions.code; Reason carries the Kazoo name.
const (
	EINVALID      = "invalid"      // bad input
	ENOTFOUND     = "not_found"    // the thing does not exist (or may not be seen)
	ECONFLICT     = "conflict"     // state does not allow it
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed
	EUNAUTHORIZED = "unauthorized" // not authenticated
	ETOOMANY      = "too_many"     // rate limited
	EUNAVAILABLE  = "unavailable"  // the database (or an upstream) cannot be reached right now
	EUPSTREAM     = "upstream"     // an upstream (carrier, phonebook) failed
	EINTERNAL     = "internal"     // a bug or an unexpected failure; details are logged, not shown
)

// Kazoo error names used as Reason. They are wire facts: REST shows them as
// the envelope "message" / knm "error", GraphQL upper-cases them.
const (
	ReasonNumberExists           = "number_exists"
	ReasonNotFound               = "not_found"
	ReasonNotReconcilable        = "not_reconcilable"
	ReasonForbidden              = "forbidden"
	ReasonInvalidStateTransition = "invalid_state_transition"
	ReasonNoChangeRequired       = "no_change_required"
	ReasonNumberIsPorting        = "number_is_porting"
	ReasonAssignFailure          = "assign_failure"
	ReasonInvalid                = "invalid"
	ReasonUnassigned             = "unassigned"
	ReasonNotInService           = "not_in_service"
	ReasonAccountDisabled        = "account_disabled"
	ReasonValidation             = "validation"
	ReasonTooManyRequests        = "too_many_requests"
	ReasonInvalidCredentials     = "invalid_credentials"
	ReasonUnspecifiedFault       = "unspecified_fault"
	ReasonBadIdentifier          = "bad_identifier"
	ReasonDatastoreUnreachable   = "datastore_unreachable"
)

// MessageUnauthorized is Kazoo's text for the knm "unauthorized" reason.
const MessageUnauthorized = "requestor is unauthorized to perform operation"

// Error is numberd's one domain error. Code classifies it, Reason is the
// stable machine word both transports expose, Message is safe to show to a
// user, Cause is Kazoo's optional "cause" detail, Fields holds per-field
// validation failures, and Err is the underlying cause: logged, never shown.
type Error struct {
	Code    string
	Reason  string
	Message string
	Cause   string
	Fields  []FieldError
	// Details carries extra structured data some Kazoo errors return
	// (identify's account_id, for example).
	Details map[string]any
	// System marks a Crossbar system error (REST data: {"message": ...})
	// rather than a number-manager error object ({code, error, cause, message}).
	System bool
	// RawData, when set, replaces the error data a transport shows (Kazoo
	// passes some upstream bodies through as is).
	RawData any
	Err     error
}

// FieldError is one failed validation rule on one field path
// (Kazoo: data.<path>.<rule> = {message, target?, value?}).
type FieldError struct {
	Path    string
	Rule    string
	Message string
	Target  any
	Value   any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Reason != "" {
		b.WriteString("/" + e.Reason)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Cause != "" {
		b.WriteString(" (" + e.Cause + ")")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns err as *Error, or nil when it is not one.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e := AsError(err); e != nil {
		return e.Code
	}
	return EINTERNAL
}

// ErrorReason returns the Kazoo reason of err ("" for foreign errors).
func ErrorReason(err error) string {
	if e := AsError(err); e != nil {
		return e.Reason
	}
	return ""
}

// Constructors for the number-manager errors (kazoo-number-manager.md §1.5).

func ErrNumberExists(n string) *Error {
	return &Error{Code: ECONFLICT, Reason: ReasonNumberExists, Message: "number " + n + " already exists", Cause: n}
}

// ErrNotFound is the bare `not_found` reason.
func ErrNotFound() *Error {
	return &Error{Code: ENOTFOUND, Reason: ReasonNotFound, Message: "The number could not be found"}
}

// ErrNotReconcilable is the bare `not_reconcilable` reason.
func ErrNotReconcilable(raw string) *Error {
	return &Error{Code: EINVALID, Reason: ReasonNotReconcilable, Message: "number " + raw + " is not reconcilable", Cause: raw}
}

// ErrForbidden is knm "unauthorized" (403 forbidden), with an optional cause.
func ErrForbidden(cause string) *Error {
	return &Error{Code: EFORBIDDEN, Reason: ReasonForbidden, Message: MessageUnauthorized, Cause: cause}
}

func ErrInvalidTransition(from, to State) *Error {
	f := string(from)
	if f == "" {
		f = "(nothing)"
	}
	cause := "from " + f + " to " + string(to)
	return &Error{Code: ECONFLICT, Reason: ReasonInvalidStateTransition, Message: "invalid state transition", Cause: cause}
}

// ErrInvalidTransitionNoCause is the rejection of targets that are never
// reachable through the API (deleted, discovery, released, port_out).
func ErrInvalidTransitionNoCause() *Error {
	return &Error{Code: ECONFLICT, Reason: ReasonInvalidStateTransition, Message: "invalid state transition"}
}

func ErrNoChangeRequired() *Error {
	return &Error{Code: ECONFLICT, Reason: ReasonNoChangeRequired, Message: "no change required"}
}

// ErrInvalid is knm "invalid" (400) with a provider reason as cause.
func ErrInvalid(cause string) *Error {
	return &Error{Code: EINVALID, Reason: ReasonInvalid, Message: "invalid", Cause: cause}
}

// ErrAccessDenied is the account-level 403 (Crossbar's cb_simple_authz): the
// caller may not act on that account.
func ErrAccessDenied() *Error {
	return &Error{Code: EFORBIDDEN, Reason: ReasonForbidden, Message: "forbidden", System: true}
}

// ErrBadIdentifier is a 404 for an id that names nothing the caller may see.
func ErrBadIdentifier(what string) *Error {
	return &Error{Code: ENOTFOUND, Reason: ReasonBadIdentifier, Message: "bad identifier", System: true,
		Details: map[string]any{"not_found": what}}
}

// ErrValidation wraps field failures into one EINVALID error.
func ErrValidation(fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Reason: ReasonValidation, Message: "validation error", Fields: fields}
}

// ErrUnavailable reports that the database could not be reached.
func ErrUnavailable(err error) *Error {
	return &Error{Code: EUNAVAILABLE, Reason: ReasonDatastoreUnreachable, Message: "datastore unreachable", System: true, Err: err}
}

// Internal wraps an unexpected error; only "internal error" is ever shown.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Reason: ReasonUnspecifiedFault, Message: "internal error", System: true, Err: err}
}
