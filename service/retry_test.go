package service_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"numberd/internal/apitest"
	"numberd/models"
	"numberd/service"
)

// Errors a multi-primary cluster or a flaky network produce.
var (
	errDeadlock     = &gomysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"}
	errLockWait     = &gomysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded; try restarting transaction"}
	errConnRefused  = fmt.Errorf("dial tcp 127.0.0.1:3306: %w", syscall.ECONNREFUSED)
	errDroppedConn  = driver.ErrBadConn
	errWsrepNotPrim = &gomysql.MySQLError{Number: 1047, Message: "WSREP has not yet prepared node for application use"}
)

// failN fails the matching statement the first n times.
func failN(n int64, op, table string, err error) func(string, string) error {
	var seen atomic.Int64
	return func(o, tb string) error {
		if o == op && (table == "" || tb == table) && seen.Add(1) <= n {
			return err
		}
		return nil
	}
}

type retryFixture struct {
	e    *apitest.Env
	ctx  context.Context
	acct string
}

func newRetryFixture(t *testing.T) *retryFixture {
	t.Helper()
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "retrier", nil)
	a, err := e.Svc.Authenticate(context.Background(), e.Master.Token)
	if err != nil {
		t.Fatal(err)
	}
	return &retryFixture{e: e, ctx: models.NewContextWithActor(context.Background(), a), acct: acct.ID}
}

func (f *retryFixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.e.DB.SQL().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A use case whose transaction fails with a retryable error runs again as a
// whole and is applied exactly once.
func TestRetry_RetryableErrorsRerunTheUseCase(t *testing.T) {
	for _, tc := range []struct {
		name        string
		fault       func(string, string) error
		wantRetries int64
	}{
		{"deadlock on insert, twice", failN(2, "create", "numbers", errDeadlock), 2},
		{"lock wait timeout on the locking read", failN(1, "query", "numbers", errLockWait), 1},
		{"connection dropped after the number was written", failN(1, "create", "number_events", errDroppedConn), 1},
		{"certification failure at commit", failN(1, "commit", "", errDeadlock), 1},
		{"node not in the primary component, once", failN(1, "query", "numbers", errWsrepNotPrim), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRetryFixture(t)
			if err := f.e.DB.InjectFaults(tc.fault); err != nil {
				t.Fatal(err)
			}
			before := f.e.Svc.Retries.Load()
			n, err := f.e.Svc.CreateNumber(f.ctx, f.acct, "+14155550100", service.CreateInput{Public: models.Doc{"k": "v"}})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if got := f.e.Svc.Retries.Load() - before; got != tc.wantRetries {
				t.Errorf("retries = %d, want %d", got, tc.wantRetries)
			}
			if n.State != models.StateInService || n.AssignedTo != f.acct {
				t.Errorf("number %+v", n)
			}
			f.e.DB.InjectFaults(nil)
			if c := f.count(t, "numbers"); c != 1 {
				t.Errorf("%d number rows, want 1", c)
			}
			if c := f.count(t, "number_events"); c != 1 {
				t.Errorf("%d history rows, want exactly 1 (applied once)", c)
			}
		})
	}
}

// A collection that hits a deadlock halfway through is all-or-nothing per
// attempt: the retry writes every number once.
func TestRetry_CollectionIsNeverHalfApplied(t *testing.T) {
	f := newRetryFixture(t)
	nums := make([]string, 300)
	for i := range nums {
		nums[i] = fmt.Sprintf("+1415556%04d", i)
	}
	// The first attempt fails on the history insert, after the numbers were
	// inserted in the same transaction.
	f.e.DB.InjectFaults(failN(1, "create", "number_events", errDeadlock))
	res, err := f.e.Svc.CreateNumbers(f.ctx, f.acct, nums, service.CreateInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Key, r.Err)
		}
	}
	f.e.DB.InjectFaults(nil)
	if c := f.count(t, "numbers"); c != 300 {
		t.Errorf("%d numbers, want 300", c)
	}
	if c := f.count(t, "number_events"); c != 300 {
		t.Errorf("%d events, want 300", c)
	}
}

// When retries run out, nothing is written and the caller gets a clean
// error: a conflict for deadlocks, 503 for an unreachable database.
func TestRetry_GivesUpCleanly(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		wantCode string
	}{
		{"persistent deadlock", errDeadlock, models.ECONFLICT},
		{"database unreachable", errConnRefused, models.EUNAVAILABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRetryFixture(t)
			f.e.DB.InjectFaults(failN(1<<30, "create", "numbers", tc.err))
			before := f.e.Svc.Retries.Load()
			_, err := f.e.Svc.CreateNumber(f.ctx, f.acct, "+14155550100", service.CreateInput{})
			if models.ErrorCode(err) != tc.wantCode {
				t.Fatalf("err = %v, want code %s", err, tc.wantCode)
			}
			if got := f.e.Svc.Retries.Load() - before; got != int64(service.DefaultConfig().MaxAttempts-1) {
				t.Errorf("retries = %d, want %d", got, service.DefaultConfig().MaxAttempts-1)
			}
			f.e.DB.InjectFaults(nil)
			if c := f.count(t, "numbers") + f.count(t, "number_events"); c != 0 {
				t.Errorf("%d rows written by a failed request", c)
			}
		})
	}
}

// A connection lost during COMMIT leaves the outcome unknown: numberd must
// neither retry (it could apply twice) nor report success.
func TestRetry_CommitOutcomeUnknownIsNotSuccess(t *testing.T) {
	f := newRetryFixture(t)
	f.e.DB.InjectFaults(failN(1, "commit", "", errDroppedConn))
	before := f.e.Svc.Retries.Load()
	_, err := f.e.Svc.CreateNumber(f.ctx, f.acct, "+14155550100", service.CreateInput{})
	if models.ErrorCode(err) != models.EUNAVAILABLE {
		t.Fatalf("err = %v, want EUNAVAILABLE", err)
	}
	if f.e.Svc.Retries.Load() != before {
		t.Error("a commit with an unknown outcome was retried")
	}
	// Through REST the same failure is a 503 envelope, never a success.
	f.e.DB.InjectFaults(failN(1, "commit", "", errDroppedConn))
	r := f.e.Client(f.e.Master.Token).Do("PUT", "/v2/accounts/"+f.acct+"/phone_numbers/%2B14155550101", nil)
	if r.Status != 503 || r.Body["status"] != "error" || r.Message() != "datastore_unreachable" {
		t.Fatalf("REST: %d %s", r.Status, r.Raw)
	}
}
