package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"numberd/models"
	"numberd/store"
)

// GetNumber reads one number through the URL account accountID
// (GET /v2/accounts/{A}/phone_numbers/{N}). Number-level access is judged
// against the caller, not the URL account (Kazoo §1.2): available numbers
// are open to all; others need the caller to own the number, be an ancestor
// of its owner, or have it reserved by an ancestor. Returns
// not_reconcilable or not_found (also when the caller may not read it).
func (s *Service) GetNumber(ctx context.Context, accountID, raw string) (*models.Number, error) {
	_, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.readNumber(ctx, a, raw)
}

// FindNumber reads one number by itself, with the same read rule (GraphQL
// phoneNumber(number:)).
func (s *Service) FindNumber(ctx context.Context, raw string) (*models.Number, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.readNumber(ctx, a, raw)
}

// readNumber applies the read rule. A number the caller may not read is
// reported as not_found, exactly like a missing one, so other tenants'
// numbers cannot be probed (Kazoo answers 404 for both).
func (s *Service) readNumber(ctx context.Context, a *models.Actor, raw string) (*models.Number, error) {
	e, err := models.ParseNumber(raw)
	if err != nil {
		return nil, err
	}
	n, err := s.db.Q().NumberByE164(ctx, e)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	if !models.CanRead(a, n) {
		return nil, models.ErrNotFound()
	}
	return n, nil
}

// NumbersByE164 returns the numbers among nums the caller may read, keyed
// by number (a batch for loaders); others are absent.
func (s *Service) NumbersByE164(ctx context.Context, nums []string) (map[string]*models.Number, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Q().NumbersForUpdate(ctx, nums)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	for k, n := range rows {
		if !models.CanRead(a, n) {
			delete(rows, k)
		}
	}
	return rows, nil
}

// ListQuery selects an account's numbers (the Kazoo listing and the GraphQL
// connection). Simple conditions run in SQL; Doc filters (Kazoo's filter_*
// family on arbitrary fields) and the Go-evaluated conditions
// (Classifications, Features, HasE911) are applied to the rows as they
// stream by, reading further chunks until the page is full.
type ListQuery struct {
	States      []models.State
	Carriers    []string
	Prefix      string
	StartKey    string // first number to include (inclusive keyset)
	After       string // numbers strictly after this one
	Limit       int    // page size; 0 means every number up to ListingLimit
	CreatedFrom *time.Time
	CreatedTo   *time.Time
	UpdatedFrom *time.Time
	UpdatedTo   *time.Time
	Doc         []models.DocFilter
	// Cascade asks for the count of numbers in the account's subtree.
	Cascade bool

	// OrderBy sorts the listing (default OrderNumber); Desc reverses it.
	// Ties on a time are broken by the number, so the order is total.
	OrderBy NumberOrder
	Desc    bool
	// AfterKey and BeforeKey are keyset cursors in the listing's own order
	// (Desc included): the page holds rows after AfterKey and before
	// BeforeKey.
	AfterKey, BeforeKey *Keyset
	// Last takes the last Limit rows before BeforeKey (or the end of the
	// listing) instead of the first Limit after AfterKey (GraphQL's last).
	Last bool
	// Classifications keeps numbers whose classifier (Kazoo's
	// number_manager classifiers, e.g. did_us, tollfree_us) is one of these.
	Classifications []string
	// Features keeps numbers with every one of these features active.
	Features []string
	// HasE911 keeps numbers with (true) or without (false) an E911 service
	// address in their public fields.
	HasE911 *bool
}

// NumberOrder is the sort of a listing.
type NumberOrder string

// Listing orders.
const (
	OrderNumber  NumberOrder = ""
	OrderCreated NumberOrder = "created_at"
	OrderUpdated NumberOrder = "updated_at"
)

// Keyset is a position in a listing: the sort value of a row (At, for the
// time orders) and its number.
type Keyset struct {
	At     time.Time
	Number string
}

// KeyOf returns the position of n in a listing ordered by o.
func KeyOf(o NumberOrder, n *models.Number) Keyset {
	switch o {
	case OrderCreated:
		return Keyset{At: n.CreatedAt, Number: n.Number}
	case OrderUpdated:
		return Keyset{At: n.UpdatedAt, Number: n.Number}
	}
	return Keyset{Number: n.Number}
}

func (k *Keyset) store() *store.Keyset {
	if k == nil {
		return nil
	}
	return &store.Keyset{At: k.At, Number: k.Number}
}

// goFiltered reports whether the query has conditions evaluated in Go.
func (lq *ListQuery) goFiltered() bool {
	return len(lq.Doc) > 0 || len(lq.Classifications) > 0 || len(lq.Features) > 0 || lq.HasE911 != nil
}

// storeQuery is the SQL part of a ListQuery for an account.
func (lq *ListQuery) storeQuery(owner string) store.NumberQuery {
	return store.NumberQuery{
		Owner: owner, States: lq.States, Carriers: lq.Carriers, Prefix: lq.Prefix,
		CreatedFrom: lq.CreatedFrom, CreatedTo: lq.CreatedTo, UpdatedFrom: lq.UpdatedFrom, UpdatedTo: lq.UpdatedTo,
	}
}

// NumberPage is one page of a listing.
type NumberPage struct {
	Numbers []*models.Number
	// NextKey is the first number of the next page, "" when this is the last.
	NextKey string
	// HasMore reports rows beyond the page in the direction it was read:
	// after it for a first-page read, before it for ListQuery.Last.
	HasMore bool
	// Cascade is the number count over the account and its descendants.
	Cascade int64
	// Account is the listed account.
	Account *models.Account
}

// ErrListingTooLarge is returned when an unpaginated listing would exceed
// the configured cap (Kazoo answers 416 in that case).
var ErrListingTooLarge = &models.Error{Code: models.EINVALID, Reason: "range_not_satisfiable", Message: "range not satisfiable: paginate the listing", System: true}

// ListNumbers lists the numbers assigned to an account with keyset
// pagination (no OFFSET scans, so page 20,000 costs what page 1 does),
// ordered by number unless lq.OrderBy says otherwise.
func (s *Service) ListNumbers(ctx context.Context, accountID string, lq ListQuery) (*NumberPage, error) {
	acct, _, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	limit, unpaginated := lq.Limit, lq.Limit <= 0
	if unpaginated {
		limit = s.cfg.ListingLimit
	}
	q := lq.storeQuery(acct.ID)
	q.OrderBy, q.AtOrAfter, q.After = string(lq.OrderBy), lq.StartKey, lq.After
	// Rows are read in scan order: the listing's order, or its reverse for
	// Last (then the page is reversed back). start bounds the scan's
	// beginning, stop its end, both exclusive.
	scanDesc, start, stop := lq.Desc, lq.AfterKey, lq.BeforeKey
	if lq.Last {
		scanDesc, start, stop = !lq.Desc, lq.BeforeKey, lq.AfterKey
	}
	q.Desc = scanDesc
	setBounds := func(start, stop *Keyset) {
		if scanDesc {
			q.AfterKey, q.BeforeKey = stop.store(), start.store()
		} else {
			q.AfterKey, q.BeforeKey = start.store(), stop.store()
		}
	}
	setBounds(start, stop)
	page := &NumberPage{Account: acct}
	// Fetch one row more than the page to learn whether more follow. With
	// Go filters, keep reading chunks until the page is full or rows run
	// out.
	want := limit + 1
	chunk := want
	if lq.goFiltered() && chunk < 200 {
		chunk = 200
	}
	for {
		q.Limit = chunk
		rows, err := s.db.Q().FindNumbers(ctx, q)
		if err != nil {
			return nil, s.read(ctx, err)
		}
		for _, n := range rows {
			n.Owner = acct.Ref()
			if s.matches(&lq, n) {
				page.Numbers = append(page.Numbers, n)
				if len(page.Numbers) == want {
					break
				}
			}
		}
		if len(page.Numbers) == want || len(rows) < chunk {
			break
		}
		last := KeyOf(lq.OrderBy, rows[len(rows)-1])
		q.AtOrAfter, q.After = "", ""
		setBounds(&last, stop)
	}
	if len(page.Numbers) > limit {
		if unpaginated {
			return nil, ErrListingTooLarge
		}
		page.HasMore = true
		page.NextKey = page.Numbers[limit].Number
		page.Numbers = page.Numbers[:limit]
	}
	if lq.Last {
		slices.Reverse(page.Numbers)
		page.NextKey = ""
	}
	if lq.Cascade {
		if page.Cascade, err = s.cascadeCount(ctx, acct); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// CountNumbers counts an account's numbers matching a ListQuery (its
// pagination fields are ignored). SQL conditions are counted by the
// database; with Go-evaluated conditions the matching rows are streamed
// and counted here (dashboards ask for totalCount only when they show it).
func (s *Service) CountNumbers(ctx context.Context, accountID string, lq ListQuery) (int64, error) {
	acct, _, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return 0, err
	}
	q := lq.storeQuery(acct.ID)
	if !lq.goFiltered() {
		n, err := s.db.Q().CountNumbers(ctx, q)
		return n, s.read(ctx, err)
	}
	const chunk = 1000
	var total int64
	for {
		q.Limit = chunk
		rows, err := s.db.Q().FindNumbers(ctx, q)
		if err != nil {
			return 0, s.read(ctx, err)
		}
		for _, n := range rows {
			if s.matches(&lq, n) {
				total++
			}
		}
		if len(rows) < chunk {
			return total, nil
		}
		q.AfterKey = &store.Keyset{Number: rows[len(rows)-1].Number}
	}
}

// Classification returns the name of n's number class under the
// configured classifiers (did_us, tollfree_us, international, ...,
// unknown): the same classes as the classifiers endpoints.
func (s *Service) Classification(n *models.Number) string {
	if c := s.Classify(n.Number); c != nil {
		return c.Name
	}
	return "unknown"
}

// matches applies the Go-evaluated conditions of a ListQuery.
func (s *Service) matches(lq *ListQuery, n *models.Number) bool {
	if len(lq.Classifications) > 0 && !slices.Contains(lq.Classifications, s.Classification(n)) {
		return false
	}
	for _, f := range lq.Features {
		if _, ok := n.Features[f]; !ok {
			return false
		}
	}
	if lq.HasE911 != nil && (n.Public.Object("e911") != nil) != *lq.HasE911 {
		return false
	}
	return matchAll(lq.Doc, n)
}

// NumberStats counts the numbers per state in the subtree of each account
// among ids the caller may see (dashboard tiles), keyed by account id;
// accounts the caller may not see are absent. One statement for all.
func (s *Service) NumberStats(ctx context.Context, ids []string) (map[string]map[models.State]int64, error) {
	visible, err := s.AccountsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(visible))
	for _, a := range visible {
		paths = append(paths, a.Path)
	}
	byPath, err := s.db.Q().CountNumbersBySubtree(ctx, paths)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	out := make(map[string]map[models.State]int64, len(visible))
	for id, a := range visible {
		out[id] = byPath[a.Path]
	}
	return out, nil
}

func matchAll(fs []models.DocFilter, n *models.Number) bool {
	if len(fs) == 0 {
		return true
	}
	d := models.KazooDoc(n)
	for _, f := range fs {
		if !f.Match(d) {
			return false
		}
	}
	return true
}

// cascadeCount counts the numbers owned by an account and its descendants.
// The count is cached for a few seconds per instance (and dropped on this
// instance's writes): it is a dashboard figure, and counting a subtree of a
// million numbers on every page would dominate the listing.
func (s *Service) cascadeCount(ctx context.Context, acct *models.Account) (int64, error) {
	now, gen := s.Now(), s.sinceWrites()
	if n, ok := s.counts.get(acct.Path, now, gen); ok {
		return n, nil
	}
	// One count per subtree at a time: when the cached figure expires under
	// load, concurrent listings wait for the same count instead of each
	// counting the subtree again.
	v, err, _ := s.countFlight.Do(fmt.Sprint(gen, "/", acct.Path), func() (any, error) {
		if n, ok := s.counts.get(acct.Path, s.Now(), gen); ok {
			return n, nil
		}
		n, err := s.db.Q().CountNumbers(context.WithoutCancel(ctx), store.NumberQuery{OwnerSubtree: acct.Path})
		if err != nil {
			return int64(0), err
		}
		s.counts.put(acct.Path, n, now.Add(5*time.Second), gen)
		return n, nil
	})
	if err != nil {
		return 0, s.read(ctx, err)
	}
	return v.(int64), nil
}

// AvailableFeatures returns the features the caller could enable on n
// (_read_only.features.available).
func (s *Service) AvailableFeatures(ctx context.Context, n *models.Number) []string {
	return models.AvailableFeatures(n, models.ActorFromContext(ctx), s.cfg.Features)
}
