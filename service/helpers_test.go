package service_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"numberd/models"
	"numberd/service"
	"numberd/store"
	"numberd/store/storetest"
)

var bg = context.Background()

// clock is a movable test clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one service on a fresh real database (SQLite file, or a throw-away
// MariaDB database with NUMBERD_TEST_DB=mysql), with a bootstrapped master.
type env struct {
	DB     *store.DB
	Svc    *service.Service
	Clock  *clock
	Cfg    service.Config
	Master *tenant
}

// tenant is an account and a context carrying it as the caller.
type tenant struct {
	*models.Account
	Ctx context.Context
}

const testMasterKey = "test-master-key"

// newEnv builds an env. Rate limits and the auth cache are off unless an
// option turns them on.
func newEnv(tb testing.TB, opts ...func(*service.Config)) *env {
	tb.Helper()
	db := storetest.Open(tb)
	cfg := service.DefaultConfig()
	cfg.ActivateRate, cfg.AuthRate, cfg.AuthCacheTTL = 0, 0, 0
	for _, o := range opts {
		o(&cfg)
	}
	c := newClock()
	svc := service.New(db, cfg, service.WithNow(c.Now))
	master, created, err := svc.Bootstrap(bg, testMasterKey)
	if err != nil || !created {
		tb.Fatalf("Bootstrap: created=%v err=%v", created, err)
	}
	e := &env{DB: db, Svc: svc, Clock: c, Cfg: cfg}
	e.Master = e.Login(tb, master)
	return e
}

// Login authenticates as acct through its API key and returns the tenant.
func (e *env) Login(tb testing.TB, acct *models.Account) *tenant {
	tb.Helper()
	token, _, err := e.Svc.APIAuth(bg, acct.APIKey, "")
	if err != nil {
		tb.Fatalf("APIAuth(%s): %v", acct.Name, err)
	}
	a, err := e.Svc.Authenticate(bg, token)
	if err != nil {
		tb.Fatalf("Authenticate(%s): %v", acct.Name, err)
	}
	return &tenant{Account: acct, Ctx: models.NewContextWithActor(bg, a)}
}

// Account flags for MustAccount.
const (
	flagReseller  = "reseller"
	flagAdditions = "allow_additions"
	flagDisabled  = "disabled"
)

// MustAccount creates a child of parent as the master (so privileged flags
// may be set) and logs in as it (unless it is disabled: Ctx is then nil).
func (e *env) MustAccount(tb testing.TB, parent *tenant, name string, flags ...string) *tenant {
	tb.Helper()
	in := service.AccountInput{Name: &name}
	t, f := true, false
	for _, fl := range flags {
		switch fl {
		case flagReseller:
			in.Reseller = &t
		case flagAdditions:
			in.AllowAdditions = &t
		case flagDisabled:
			in.Enabled = &f
		default:
			tb.Fatalf("unknown flag %q", fl)
		}
	}
	acct, err := e.Svc.CreateAccount(e.Master.Ctx, parent.ID, in)
	if err != nil {
		tb.Fatalf("CreateAccount(%s): %v", name, err)
	}
	if !acct.Enabled {
		return &tenant{Account: acct}
	}
	return e.Login(tb, acct)
}

// kazoo is Kazoo's unit-test fixture tree (kazoo-number-manager.md §13.1):
// MASTER (superduper admin) → RESELLER → CHILD, and UNRELATED beside
// RESELLER. RESELLER may add numbers; the others may not.
type kazoo struct {
	*env
	Reseller, Child, Unrelated *tenant
}

func newKazoo(tb testing.TB, opts ...func(*service.Config)) *kazoo {
	tb.Helper()
	e := newEnv(tb, opts...)
	k := &kazoo{env: e}
	k.Reseller = e.MustAccount(tb, e.Master, "reseller", flagReseller, flagAdditions)
	k.Child = e.MustAccount(tb, k.Reseller, "child")
	k.Unrelated = e.MustAccount(tb, e.Master, "unrelated")
	return k
}

// num returns the i-th test number, +1415555NNNN.
func num(i int) string { return fmt.Sprintf("+1415555%04d", i) }

// nums returns n consecutive test numbers starting at from.
func nums(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = num(from + i)
	}
	return out
}

// MustCreate creates a number through the service as who, for account
// owner, in state st ("" for the default).
func (e *env) MustCreate(tb testing.TB, who *tenant, owner *tenant, number string, st models.State, public models.Doc) *models.Number {
	tb.Helper()
	n, err := e.Svc.CreateNumber(who.Ctx, owner.ID, number, service.CreateInput{State: st, Public: public})
	if err != nil {
		tb.Fatalf("CreateNumber(%s, %q): %v", number, st, err)
	}
	return n
}

// MustCreateAvailable creates numbers in state available as the master.
func (e *env) MustCreateAvailable(tb testing.TB, numbers []string) {
	tb.Helper()
	res, err := e.Svc.CreateNumbers(e.Master.Ctx, e.Master.ID, numbers, service.CreateInput{State: models.StateAvailable})
	if err != nil {
		tb.Fatalf("CreateNumbers: %v", err)
	}
	for _, r := range res {
		if r.Err != nil {
			tb.Fatalf("CreateNumbers %s: %v", r.Key, r.Err)
		}
	}
}

// MustInsert writes numbers straight through the store, for states the API
// cannot produce (discovery, port_out, released, deleted).
func (e *env) MustInsert(tb testing.TB, ns ...*models.Number) {
	tb.Helper()
	now := e.Svc.Now()
	for _, n := range ns {
		n.CreatedAt, n.UpdatedAt = now, now
		if n.Carrier == "" {
			n.Carrier = models.CarrierLocal
		}
	}
	if err := e.DB.Tx(bg, func(q *store.Q) error {
		return q.ApplyNumberChanges(bg, store.NumberChanges{Insert: ns})
	}); err != nil {
		tb.Fatalf("insert numbers: %v", err)
	}
}

// MustGet reads a number as the master (who sees everything).
func (e *env) MustGet(tb testing.TB, number string) *models.Number {
	tb.Helper()
	n, err := e.Svc.FindNumber(e.Master.Ctx, number)
	if err != nil {
		tb.Fatalf("FindNumber(%s): %v", number, err)
	}
	return n
}

// Exists reports whether a numbers row exists (raw SQL).
func (e *env) Exists(tb testing.TB, number string) bool {
	tb.Helper()
	var c int
	if err := e.DB.SQL().QueryRow("SELECT COUNT(*) FROM numbers WHERE number = ?", number).Scan(&c); err != nil {
		tb.Fatal(err)
	}
	return c == 1
}

// Count counts the rows of a table (raw SQL).
func (e *env) Count(tb testing.TB, table string) int {
	tb.Helper()
	var c int
	if err := e.DB.SQL().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&c); err != nil {
		tb.Fatal(err)
	}
	return c
}

// event is one number_events row as read with raw SQL.
type event struct {
	ID, Number, Action                              string
	Seq                                             int64
	FromState, ToState                              models.State
	FromAccount, ToAccount, ActorAccount, RequestID string
}

// Events returns a number's history, oldest first (by Seq), read with raw SQL (so
// the history of a deleted number can be read too). number "" returns every
// event.
func (e *env) Events(tb testing.TB, number string) []event {
	tb.Helper()
	q := "SELECT id, number, seq, action, from_state, to_state, from_account, to_account, actor_account, request_id FROM number_events"
	var args []any
	if number != "" {
		q += " WHERE number = ?"
		args = append(args, number)
	}
	rows, err := e.DB.SQL().Query(q+" ORDER BY number, seq", args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []event
	for rows.Next() {
		var ev event
		if err := rows.Scan(&ev.ID, &ev.Number, &ev.Seq, &ev.Action, &ev.FromState, &ev.ToState,
			&ev.FromAccount, &ev.ToAccount, &ev.ActorAccount, &ev.RequestID); err != nil {
			tb.Fatal(err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// snapshot is every numbers and number_events row, to prove a failed request
// wrote nothing.
type snapshot struct {
	numbers map[string]string
	events  int
}

func (e *env) Snapshot(tb testing.TB) snapshot {
	tb.Helper()
	rows, err := e.DB.SQL().Query("SELECT number, state, assigned_to, public, reserve_history, updated_at FROM numbers")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	s := snapshot{numbers: map[string]string{}}
	for rows.Next() {
		var n, st, owner string
		var public, hist sql.NullString
		var upd any
		if err := rows.Scan(&n, &st, &owner, &public, &hist, &upd); err != nil {
			tb.Fatal(err)
		}
		s.numbers[n] = fmt.Sprintf("%s|%s|%s|%s|%v", st, owner, public.String, hist.String, upd)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	s.events = e.Count(tb, "number_events")
	return s
}

// AssertUnchanged fails unless the database holds exactly the snapshot.
func (e *env) AssertUnchanged(tb testing.TB, before snapshot) {
	tb.Helper()
	after := e.Snapshot(tb)
	if after.events != before.events {
		tb.Errorf("number_events: %d rows, want %d (a failed request wrote history)", after.events, before.events)
	}
	if len(after.numbers) != len(before.numbers) {
		tb.Errorf("numbers: %d rows, want %d", len(after.numbers), len(before.numbers))
	}
	for k, v := range before.numbers {
		if after.numbers[k] != v {
			tb.Errorf("number %s changed: %q, want %q", k, after.numbers[k], v)
		}
	}
}

// wantErr fails unless err is a *models.Error with this code and reason
// (and cause, when cause is not "-").
func wantErr(tb testing.TB, err error, code, reason, cause string) {
	tb.Helper()
	me := models.AsError(err)
	if me == nil {
		tb.Fatalf("error %v (%T), want %s/%s", err, err, code, reason)
	}
	if me.Code != code || me.Reason != reason || (cause != "-" && me.Cause != cause) {
		tb.Fatalf("error %s/%s cause %q (%v), want %s/%s cause %q", me.Code, me.Reason, me.Cause, err, code, reason, cause)
	}
}

// wantFieldErrors fails unless err is a validation error with exactly
// these path:rule pairs (in order).
func wantFieldErrors(tb testing.TB, err error, want ...string) {
	tb.Helper()
	wantErr(tb, err, models.EINVALID, models.ReasonValidation, "-")
	var got []string
	for _, f := range models.AsError(err).Fields {
		got = append(got, f.Path+":"+f.Rule)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		tb.Fatalf("field errors %v, want %v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }
