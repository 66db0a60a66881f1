package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"numberd/models"
)

// RetryableError marks a failure after which the whole use case may be run
// again from the start (re-read, re-check, write): the transaction did not
// commit. Deadlocks and Galera certification failures (MySQL 1213), lock
// wait timeouts (1205), SQLITE_BUSY, a duplicate insert racing another
// writer, and a connection lost before COMMIT.
type RetryableError struct {
	Err error
	// Unavailable: the database could not be reached (the final error, if
	// retries run out, is 503 rather than a conflict).
	Unavailable bool
}

func (e *RetryableError) Error() string { return "retryable: " + e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// IsRetryable reports whether err allows re-running the use case.
func IsRetryable(err error) bool {
	var r *RetryableError
	return errors.As(err, &r)
}

// IsUnavailable reports a retryable error caused by an unreachable
// database (as opposed to a deadlock or a lost race).
func IsUnavailable(err error) bool {
	var r *RetryableError
	return errors.As(err, &r) && r.Unavailable
}

// Final turns an error that is still retryable after the last attempt into
// the domain error a caller sees: 503 datastore_unreachable, or a conflict.
func Final(err error) error {
	var r *RetryableError
	if !errors.As(err, &r) {
		return err
	}
	if r.Unavailable {
		return models.ErrUnavailable(r.Err)
	}
	return &models.Error{Code: models.ECONFLICT, Reason: "datastore_conflict", Message: "datastore conflict, try again", Err: r.Err}
}

// MySQL server error numbers numberd reacts to.
const (
	erLockWaitTimeout = 1205
	erLockDeadlock    = 1213
	erWsrepNotReady   = 1047 // Galera node not in the primary component
	erServerShutdown  = 1053
	erQueryInterrupt  = 1317
	erConCount        = 1040
)

// translate is the one place that knows driver and GORM errors.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if models.AsError(err) != nil || IsRetryable(err) || errors.Is(err, ErrCommitUnknown) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &models.Error{Code: models.ENOTFOUND, Reason: models.ReasonNotFound, Message: "not found", Err: err}
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &models.Error{Code: models.ECONFLICT, Reason: "duplicate", Message: "already exists", Err: err}
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erLockDeadlock, erLockWaitTimeout:
			return &RetryableError{Err: err}
		case erWsrepNotReady, erServerShutdown, erConCount:
			return &RetryableError{Err: err, Unavailable: true}
		}
	}
	if isConnectionError(err) {
		return &RetryableError{Err: err, Unavailable: true}
	}
	if isSQLiteBusy(err) {
		return &RetryableError{Err: err}
	}
	return models.Internal(err)
}

// isConnectionError reports a lost or refused connection.
func isConnectionError(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	s := err.Error()
	for _, frag := range []string{"connection refused", "broken pipe", "connection reset", "i/o timeout", "invalid connection", "bad connection", "server has gone away", "no such host"} {
		if strings.Contains(s, frag) {
			return true
		}
	}
	return false
}

func isSQLiteBusy(err error) bool {
	type coder interface{ Code() int }
	var c coder
	if errors.As(err, &c) {
		switch c.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED (and their extended codes)
			return true
		}
	}
	s := err.Error()
	return strings.Contains(s, "database is locked") || strings.Contains(s, "SQLITE_BUSY")
}
