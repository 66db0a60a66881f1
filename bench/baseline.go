package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	_ "github.com/glebarez/go-sqlite"
	_ "github.com/go-sql-driver/mysql"

	"numberd/models"
	"numberd/store"
)

// The baseline: the fastest a plain Go service answers the read scenarios
// from the same database. net/http, database/sql on the raw driver, one
// hand-written query per request, encoding/json; the token is checked
// against the one it was given (no database lookup), and derived values
// numberd caches (the subtree count of a listing) are computed once at
// start. Its answers carry the same fields as numberd's, checked by the
// tool before each scenario.

type baseline struct {
	db         *sql.DB
	listSQL    string
	gqlListSQL string
	token      string
	node       string
	cascade    map[string]int64 // account id → subtree number count
	admin      *models.Actor
}

func cmdBaseline(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench baseline", flag.ContinueOnError)
	dsn := fs.String("db", defaultDB, "numberd --db value of the bench database")
	listen := fs.String("listen", "127.0.0.1:8100", "address to serve on")
	token := fs.String("token", "", "the one auth token accepted")
	accounts := fs.String("cascade", "", "comma-separated account ids whose subtree counts to precompute")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := store.ParseDSN(*dsn)
	if err != nil {
		return err
	}
	driver, pool := "sqlite", 8
	if cfg.Dialect == store.MySQL {
		driver, pool = "mysql", 32
	}
	db, err := sql.Open(driver, cfg.DSN)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(pool)
	db.SetMaxIdleConns(pool)
	hint := ""
	if cfg.Dialect == store.MySQL {
		hint = " FORCE INDEX (idx_numbers_owner_number)"
	}
	b := &baseline{db: db, listSQL: fmt.Sprintf(listSQL, hint), gqlListSQL: fmt.Sprintf(gqlListSQL, hint), token: *token, node: base64.RawURLEncoding.EncodeToString([]byte("baseline")), cascade: map[string]int64{}}
	var masterPath string
	if err := db.QueryRowContext(ctx, "SELECT a.id, a.path FROM accounts a JOIN settings s ON s.value = a.id WHERE s.`key` = 'master_account_id'").Scan(new(string), &masterPath); err != nil {
		return fmt.Errorf("baseline: master: %v", err)
	}
	b.admin = &models.Actor{Account: models.AccountRef{ID: strings.Split(masterPath, "/")[0], Path: masterPath, Admin: true}}
	for _, id := range strings.Split(*accounts, ",") {
		if id == "" {
			continue
		}
		var path string
		if err := db.QueryRowContext(ctx, "SELECT path FROM accounts WHERE id = ?", id).Scan(&path); err != nil {
			return fmt.Errorf("baseline: account %s: %v", id, err)
		}
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM numbers n JOIN accounts a ON a.id = n.assigned_to WHERE a.path = ? OR (a.path > ? AND a.path < ?)",
			path, path+"/", path+"0").Scan(&n); err != nil {
			return fmt.Errorf("baseline: count: %v", err)
		}
		b.cascade[id] = n
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /v2/accounts/{account}/phone_numbers/{number}", b.auth(b.getNumber))
	mux.HandleFunc("GET /v2/accounts/{account}/phone_numbers", b.auth(b.listNumbers))
	mux.HandleFunc("POST /graphql", b.auth(b.graphql))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (b *baseline) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Auth-Token") != b.token {
			http.Error(w, `{"status":"error","error":"401"}`, http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

func (b *baseline) write(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func (b *baseline) fail(w http.ResponseWriter, status int, err error) {
	http.Error(w, fmt.Sprintf(`{"status":"error","error":"%d","message":%q}`, status, err), status)
}

// envelope is Crossbar's response envelope, as numberd writes it.
type envelope struct {
	AuthToken    string  `json:"auth_token"`
	Status       string  `json:"status"`
	RequestID    string  `json:"request_id"`
	Node         string  `json:"node"`
	Version      string  `json:"version"`
	Timestamp    string  `json:"timestamp"`
	Data         any     `json:"data"`
	PageSize     *int    `json:"page_size,omitempty"`
	StartKey     *string `json:"start_key,omitempty"`
	NextStartKey *string `json:"next_start_key,omitempty"`
}

func (b *baseline) envelope(r *http.Request, data any) *envelope {
	return &envelope{
		AuthToken: b.token, Status: "success", RequestID: models.RequestIDOrNew(r.Header.Get("X-Request-ID")),
		Node: b.node, Version: "baseline", Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05"), Data: data,
	}
}

// numberRow is the columns a single-number answer needs.
type numberRow struct {
	n                               models.Number
	public, features                []byte
	featuresAllowed, featuresDenied []byte
}

const oneNumberSQL = `SELECT n.number, n.state, n.assigned_to, n.used_by, n.carrier, n.features, n.features_allowed,
 n.features_denied, n.public, n.created_at, n.updated_at, a.path
 FROM numbers n LEFT JOIN accounts a ON a.id = n.assigned_to WHERE n.number = ?`

func (b *baseline) readNumber(ctx context.Context, number string) (*numberRow, error) {
	var row numberRow
	var path sql.NullString
	n := &row.n
	err := b.db.QueryRowContext(ctx, oneNumberSQL, number).Scan(&n.Number, &n.State, &n.AssignedTo, &n.UsedBy, &n.Carrier,
		&row.features, &row.featuresAllowed, &row.featuresDenied, &row.public, &n.CreatedAt, &n.UpdatedAt, &path)
	if err != nil {
		return nil, err
	}
	if err := n.Features.Scan(row.features); err != nil {
		return nil, err
	}
	if err := n.FeaturesAllowed.Scan(row.featuresAllowed); err != nil {
		return nil, err
	}
	if err := n.FeaturesDenied.Scan(row.featuresDenied); err != nil {
		return nil, err
	}
	n.Owner = models.AccountRef{ID: n.AssignedTo, Path: path.String}
	return &row, nil
}

// GET /v2/accounts/{A}/phone_numbers/{N}: numberd's single-number object.
func (b *baseline) getNumber(w http.ResponseWriter, r *http.Request) {
	num, err := models.ParseNumber(r.PathValue("number"))
	if err != nil {
		b.fail(w, http.StatusNotFound, err)
		return
	}
	row, err := b.readNumber(r.Context(), num)
	if err != nil {
		b.fail(w, http.StatusNotFound, err)
		return
	}
	n := &row.n
	out := map[string]any{}
	if err := json.Unmarshal(row.public, &out); err != nil {
		b.fail(w, http.StatusInternalServerError, err)
		return
	}
	out["id"] = n.Number
	out["state"] = n.State
	if n.UsedBy != "" {
		out["used_by"] = n.UsedBy
	}
	if len(n.Features) > 0 {
		out["features"] = n.FeatureNames()
	}
	ro := map[string]any{
		"created":        models.Gregorian(n.CreatedAt),
		"modified":       models.Gregorian(n.UpdatedAt),
		"state":          n.State,
		"features":       map[string]any{"available": models.AvailableFeatures(n, b.admin, models.FeaturePolicy{}), "settings": map[string]any{}},
		"carrier_module": n.Carrier,
	}
	if n.UsedBy != "" {
		ro["used_by"] = n.UsedBy
	}
	out["_read_only"] = ro
	b.write(w, b.envelope(r, out))
}

// listingEntry is one number of a listing page.
type listingEntry struct {
	AssignedTo        string       `json:"assigned_to"`
	Created           int64        `json:"created"`
	Updated           int64        `json:"updated"`
	State             models.State `json:"state"`
	Features          []string     `json:"features"`
	FeaturesAllowed   []string     `json:"features_allowed"`
	FeaturesDenied    []string     `json:"features_denied"`
	FeaturesAvailable []string     `json:"features_available"`
	UsedBy            string       `json:"used_by,omitempty"`
}

// listSQL and gqlListSQL take the index hint numberd's store uses on MySQL
// (%s): without it MariaDB walks an account's rows to a deep keyset position.
const listSQL = `SELECT number, state, assigned_to, used_by, carrier, features, features_allowed, features_denied,
 created_at, updated_at FROM numbers%s WHERE assigned_to = ? AND number >= ? ORDER BY number LIMIT ?`

// GET /v2/accounts/{A}/phone_numbers[?start_key=][&page_size=] (and
// ?prefix= searches).
func (b *baseline) listNumbers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if p := q.Get("prefix"); p != "" {
		b.search(w, r, r.PathValue("account"), p, q.Get("quantity"))
		return
	}
	acct := r.PathValue("account")
	size := 50
	if n, err := strconv.Atoi(q.Get("page_size")); err == nil && n > 0 {
		size = n
	}
	start := q.Get("start_key")
	rows, err := b.db.QueryContext(r.Context(), b.listSQL, acct, start, size+1)
	if err != nil {
		b.fail(w, http.StatusInternalServerError, err)
		return
	}
	defer rows.Close()
	numbers := map[string]*listingEntry{}
	var first, next string
	var features, allowed, denied []byte
	for rows.Next() {
		var n models.Number
		if err := rows.Scan(&n.Number, &n.State, &n.AssignedTo, &n.UsedBy, &n.Carrier, &features, &allowed, &denied, &n.CreatedAt, &n.UpdatedAt); err != nil {
			b.fail(w, http.StatusInternalServerError, err)
			return
		}
		if len(numbers) == size {
			next = n.Number
			break
		}
		if first == "" {
			first = n.Number
		}
		n.Features.Scan(features)
		n.FeaturesAllowed.Scan(allowed)
		n.FeaturesDenied.Scan(denied)
		n.Owner = models.AccountRef{ID: acct}
		numbers[n.Number] = &listingEntry{
			AssignedTo: n.AssignedTo, Created: models.Gregorian(n.CreatedAt), Updated: models.Gregorian(n.UpdatedAt),
			State: n.State, Features: n.FeatureNames(), FeaturesAllowed: nonNil(n.FeaturesAllowed), FeaturesDenied: nonNil(n.FeaturesDenied),
			FeaturesAvailable: models.AvailableFeatures(&n, b.admin, models.FeaturePolicy{}), UsedBy: n.UsedBy,
		}
	}
	if err := rows.Err(); err != nil {
		b.fail(w, http.StatusInternalServerError, err)
		return
	}
	env := b.envelope(r, map[string]any{"numbers": numbers, "cascade_quantity": b.cascade[acct]})
	n := len(numbers)
	env.PageSize = &n
	if start == "" {
		start = first
	}
	if start != "" {
		env.StartKey = &start
	}
	if next != "" {
		env.NextStartKey = &next
	}
	b.write(w, env)
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// search answers a prefix search from the local inventory: available
// numbers starting with the prefix (a range scan on the primary key).
func (b *baseline) search(w http.ResponseWriter, r *http.Request, account, prefix, quantity string) {
	qty, err := strconv.Atoi(quantity)
	if err != nil || qty <= 0 {
		qty = 1
	}
	p := "+" + strings.TrimPrefix(prefix, "+")
	if len(p) == 7 { // NPA-NXX: a NANP prefix
		p = "+1" + p[1:]
	}
	// What numberd's default carriers offer: available local and inventory
	// numbers, and numbers reserved for the searching account (the bench
	// searches as the master, which has no ancestors).
	rows, err := b.db.QueryContext(r.Context(), "SELECT number, state FROM numbers WHERE number >= ? AND number < ?"+
		" AND ((state = 'available' AND carrier IN ('local', 'inventory')) OR (state = 'reserved' AND assigned_to = ?)) ORDER BY number LIMIT ?",
		p, store.PrefixEnd(p), account, qty)
	if err != nil {
		b.fail(w, http.StatusInternalServerError, err)
		return
	}
	defer rows.Close()
	type result struct {
		Number string `json:"number"`
		State  string `json:"state"`
	}
	out := []result{}
	for rows.Next() {
		var x result
		if err := rows.Scan(&x.Number, &x.State); err != nil {
			b.fail(w, http.StatusInternalServerError, err)
			return
		}
		out = append(out, x)
	}
	b.write(w, b.envelope(r, out))
}

// graphqlRequest is the body the tool sends; the baseline answers the two
// operations by name without parsing GraphQL.
type graphqlRequest struct {
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

func (b *baseline) graphql(w http.ResponseWriter, r *http.Request) {
	var req graphqlRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		b.fail(w, http.StatusBadRequest, err)
		return
	}
	switch req.OperationName {
	case "One":
		b.gqlOne(w, r, req.Variables)
	case "List":
		b.gqlList(w, r, req.Variables)
	default:
		b.fail(w, http.StatusBadRequest, fmt.Errorf("unknown operation %q", req.OperationName))
	}
}

type gqlNumber struct {
	Number            string         `json:"number"`
	State             string         `json:"state"`
	Features          []string       `json:"features"`
	AvailableFeatures []string       `json:"availableFeatures"`
	CarrierModule     string         `json:"carrierModule"`
	UsedBy            *string        `json:"usedBy"`
	CreatedAt         string         `json:"createdAt"`
	UpdatedAt         string         `json:"updatedAt"`
	PublicFields      map[string]any `json:"publicFields"`
}

func gqlState(s models.State) string { return strings.ToUpper(string(s)) }

func gqlTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

func (b *baseline) gqlOne(w http.ResponseWriter, r *http.Request, vars map[string]any) {
	raw, _ := vars["n"].(string)
	num, err := models.ParseNumber(raw)
	if err != nil {
		b.write(w, map[string]any{"data": map[string]any{"phoneNumber": nil}})
		return
	}
	row, err := b.readNumber(r.Context(), num)
	if err == sql.ErrNoRows {
		b.write(w, map[string]any{"data": map[string]any{"phoneNumber": nil}})
		return
	}
	if err != nil {
		b.fail(w, http.StatusInternalServerError, err)
		return
	}
	n := &row.n
	out := &gqlNumber{
		Number: n.Number, State: gqlState(n.State), Features: n.FeatureNames(),
		AvailableFeatures: models.AvailableFeatures(n, b.admin, models.FeaturePolicy{}), CarrierModule: n.Carrier,
		CreatedAt: gqlTime(n.CreatedAt), UpdatedAt: gqlTime(n.UpdatedAt), PublicFields: map[string]any{},
	}
	if n.UsedBy != "" {
		out.UsedBy = &n.UsedBy
	}
	if err := json.Unmarshal(row.public, &out.PublicFields); err != nil {
		b.fail(w, http.StatusInternalServerError, err)
		return
	}
	b.write(w, map[string]any{"data": map[string]any{"phoneNumber": out}})
}

type gqlEdge struct {
	Cursor string `json:"cursor"`
	Node   struct {
		Number  string `json:"number"`
		State   string `json:"state"`
		Account struct {
			Name string `json:"name"`
		} `json:"account"`
	} `json:"node"`
}

const gqlListSQL = `SELECT n.number, n.state, a.name FROM numbers n%s JOIN accounts a ON a.id = n.assigned_to
 WHERE n.assigned_to = ? AND n.number > ? ORDER BY n.number LIMIT ?`

func (b *baseline) gqlList(w http.ResponseWriter, r *http.Request, vars map[string]any) {
	acct, _ := vars["a"].(string)
	after := ""
	if c, _ := vars["after"].(string); c != "" {
		d, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil {
			b.fail(w, http.StatusBadRequest, err)
			return
		}
		after = strings.TrimPrefix(string(d), "n::") // numberd's cursor for number order
	}
	const size = 50
	rows, err := b.db.QueryContext(r.Context(), b.gqlListSQL, acct, after, size+1)
	if err != nil {
		b.fail(w, http.StatusInternalServerError, err)
		return
	}
	defer rows.Close()
	edges := make([]*gqlEdge, 0, size)
	more := false
	for rows.Next() {
		if len(edges) == size {
			more = true
			break
		}
		e := &gqlEdge{}
		var st models.State
		if err := rows.Scan(&e.Node.Number, &st, &e.Node.Account.Name); err != nil {
			b.fail(w, http.StatusInternalServerError, err)
			return
		}
		e.Node.State = gqlState(st)
		e.Cursor = base64.RawURLEncoding.EncodeToString([]byte("n::" + e.Node.Number))
		edges = append(edges, e)
	}
	var end *string
	if len(edges) > 0 {
		end = &edges[len(edges)-1].Cursor
	}
	b.write(w, map[string]any{"data": map[string]any{"phoneNumbers": map[string]any{
		"edges": edges, "pageInfo": map[string]any{"hasNextPage": more, "endCursor": end},
	}}})
}
