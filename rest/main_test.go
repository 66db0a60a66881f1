package rest_test

// Shared helpers of the Kazoo v2 conformance tests. Every exchange made
// through an apitest.Client in this package is also checked against the
// envelope invariants of kazoo-crossbar-phone-numbers.md §1.4–1.5 (see
// TestMain), so no test can pass on a 5xx or a malformed envelope.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"numberd/internal/apitest"
	"numberd/models"
)

func TestMain(m *testing.M) {
	prev := apitest.Check
	apitest.Check = func(tb testing.TB, x *apitest.Exchange) {
		tb.Helper()
		if prev != nil {
			prev(tb, x)
		}
		checkEnvelope(tb, x.Method, x.Path, x.Response)
	}
	os.Exit(m.Run())
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// upstreamFailure reports whether a 500 is one of the documented failures
// of an upstream phonebook (kazoo-crossbar-phone-numbers.md §5.4, §5.6,
// knm's "fault by carrier"), which tests provoke on purpose with a failing
// fake phonebook. Any other 5xx is a server error.
func upstreamFailure(r *apitest.Response) bool {
	if r.Status != http.StatusInternalServerError {
		return false
	}
	switch r.Message() {
	case "init failed", "number locality lookup failed", "could not get locality url":
		return true
	case "unspecified_fault":
		d, _ := r.Data().(map[string]any)
		return d["error"] == "unspecified_fault" && d["message"] == "fault by carrier"
	}
	return false
}

// checkEnvelope asserts what every v2 reply must satisfy: never a 5xx (but
// the documented upstream failures), a JSON envelope whose status word
// matches the HTTP status, error replies carrying the status as a string
// plus a message, and the request id echoed in the X-Request-ID header.
func checkEnvelope(tb testing.TB, method, path string, r *apitest.Response) {
	tb.Helper()
	where := method + " " + path
	if method == http.MethodOptions || strings.HasPrefix(path, "/v2/openapi.json") ||
		strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		return // CORS preflight, the API document and CSV exports are not envelopes
	}
	if r.Status >= 500 && !upstreamFailure(r) {
		tb.Errorf("%s: server error %d: %s", where, r.Status, r.Raw)
		return
	}
	if r.Body == nil {
		tb.Errorf("%s: reply is not a JSON envelope (Content-Type %q): %s", where, r.Header.Get("Content-Type"), r.Raw)
		return
	}
	for _, k := range []string{"auth_token", "status", "request_id", "node", "version", "timestamp", "data"} {
		if _, ok := r.Body[k]; !ok {
			tb.Errorf("%s: envelope lacks %q: %s", where, k, r.Raw)
		}
	}
	status, _ := r.Body["status"].(string)
	switch {
	case r.Status >= 400:
		if status != "error" {
			tb.Errorf("%s: HTTP %d with status %q", where, r.Status, status)
		}
		if r.Body["error"] != strconv.Itoa(r.Status) {
			tb.Errorf("%s: HTTP %d with error %v (must be the status as a string)", where, r.Status, r.Body["error"])
		}
		if r.Message() == "" {
			tb.Errorf("%s: error envelope without message: %s", where, r.Raw)
		}
	default:
		if status != "success" {
			tb.Errorf("%s: HTTP %d with status %q", where, r.Status, status)
		}
		if _, ok := r.Body["error"]; ok {
			tb.Errorf("%s: success envelope with an error key: %s", where, r.Raw)
		}
	}
	if id := r.Header.Get("X-Request-ID"); id == "" || id != r.Body["request_id"] {
		tb.Errorf("%s: X-Request-ID header %q, envelope request_id %v", where, id, r.Body["request_id"])
	}
	if ts, _ := r.Body["timestamp"].(string); ts != "" {
		if _, err := time.Parse("2006-01-02T15:04:05", ts); err != nil {
			tb.Errorf("%s: timestamp %q is not ISO-8601 UTC without zone", where, ts)
		}
	}
}

// check asserts the status and compares the whole normalised envelope with
// testdata/<golden>.golden.json.
func check(t testing.TB, e *apitest.Env, r *apitest.Response, status int, golden string) *apitest.Response {
	t.Helper()
	r.Expect(t, status)
	e.Golden(t, golden, r)
	return r
}

// expectError asserts an error reply's HTTP status and envelope message.
func expectError(t testing.TB, r *apitest.Response, status int, message string) {
	t.Helper()
	r.Expect(t, status)
	if r.Message() != message {
		t.Fatalf("message %q, want %q: %s", r.Message(), message, r.Raw)
	}
}

// expectKnm asserts a number-manager error reply: HTTP code, message = the
// error name, and data = {code, error, message[, cause]} exactly.
func expectKnm(t testing.TB, r *apitest.Response, code int, name, message, cause string) {
	t.Helper()
	expectError(t, r, code, name)
	want := map[string]any{"code": json.Number(strconv.Itoa(code)), "error": name, "message": message}
	if cause != "" {
		want["cause"] = cause
	}
	assertJSON(t, "data", r.Data(), want)
}

// expectForbiddenAccount asserts Crossbar's account-level 403.
func expectForbiddenAccount(t testing.TB, r *apitest.Response) {
	t.Helper()
	expectError(t, r, http.StatusForbidden, "forbidden")
	assertJSON(t, "data", r.Data(), map[string]any{"message": "forbidden"})
}

// expectBadIdentifier asserts the single-number 404.
func expectBadIdentifier(t testing.TB, r *apitest.Response) {
	t.Helper()
	expectError(t, r, http.StatusNotFound, "bad_identifier")
	assertJSON(t, "data", r.Data(), map[string]any{"message": "bad identifier", "not_found": "The number could not be found"})
}

// expectValidation asserts a 400 validation error whose data is exactly want.
func expectValidation(t testing.TB, r *apitest.Response, want map[string]any) {
	t.Helper()
	expectError(t, r, http.StatusBadRequest, "validation error")
	assertJSON(t, "data", r.Data(), want)
}

// assertJSON compares two JSON values by their canonical encoding.
func assertJSON(t testing.TB, what string, got, want any) {
	t.Helper()
	g, w := canon(t, got), canon(t, want)
	if g != w {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func canon(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(x)
	return string(b)
}

// body builds a request envelope {"data": data}.
func body(data map[string]any) map[string]any { return map[string]any{"data": data} }

// numbersBody builds a collection envelope.
func numbersBody(nums ...string) map[string]any {
	l := make([]any, len(nums))
	for i, n := range nums {
		l[i] = n
	}
	return body(map[string]any{"numbers": l})
}

func pn(acct apitest.Account) string { return "/v2/accounts/" + acct.ID + "/phone_numbers" }

// num is the path of one number, E.164 percent-encoded as Kazoo clients send it.
func num(acct apitest.Account, e164 string) string {
	return pn(acct) + "/" + strings.Replace(e164, "+", "%2B", 1)
}

// dataMap returns a nested object of the reply's data.
func dataMap(t testing.TB, r *apitest.Response, path ...string) map[string]any {
	t.Helper()
	var cur any = r.Data()
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("data.%s: not an object in %s", strings.Join(path, "."), r.Raw)
		}
		cur = m[k]
	}
	m, ok := cur.(map[string]any)
	if !ok {
		t.Fatalf("data.%s is %T, want an object: %s", strings.Join(path, "."), cur, r.Raw)
	}
	return m
}

// readOnlyState returns data._read_only.state (where kazoo_proper reads it).
func readOnlyState(t testing.TB, r *apitest.Response) string {
	t.Helper()
	s, _ := dataMap(t, r, "_read_only")["state"].(string)
	return s
}

// listed returns the numbers of an account listing.
func listed(t testing.TB, r *apitest.Response) map[string]any {
	t.Helper()
	return dataMap(t, r, "numbers")
}

// sqlExec changes the database behind the API for setups the API cannot
// reach (a used_by set by an app, a port_out number, old timestamps).
func sqlExec(t testing.TB, e *apitest.Env, query string, args ...any) {
	t.Helper()
	res, err := e.DB.SQL().ExecContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s %v: %d rows changed, want 1", query, args, n)
	}
}

// setTimes backdates a number's created_at and updated_at.
func setTimes(t testing.TB, e *apitest.Env, e164 string, created, updated time.Time) {
	t.Helper()
	sqlExec(t, e, "UPDATE numbers SET created_at = ?, updated_at = ? WHERE number = ?", created.UTC(), updated.UTC(), e164)
}

func gregorian(tm time.Time) string { return strconv.FormatInt(models.Gregorian(tm), 10) }

// mustCreate creates a number through the API and fails unless it is 201.
func mustCreate(t testing.TB, c *apitest.Client, acct apitest.Account, e164 string, data map[string]any) *apitest.Response {
	t.Helper()
	var b any
	if data != nil {
		b = body(data)
	}
	r := c.Do("PUT", num(acct, e164), b)
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", e164, r.Status, r.Raw)
	}
	return r
}

// number reads a number as the master (any account URL works for the admin).
func number(t testing.TB, e *apitest.Env, e164 string) *apitest.Response {
	t.Helper()
	return e.Client(e.Master.Token).Do("GET", num(e.Master, e164), nil)
}
