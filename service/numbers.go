package service

import (
	"context"
	"fmt"
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
// family on arbitrary fields) are applied to the rows as they stream by.
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
}

// NumberPage is one page of a listing.
type NumberPage struct {
	Numbers []*models.Number
	// NextKey is the first number of the next page, "" when this is the last.
	NextKey string
	// Cascade is the number count over the account and its descendants.
	Cascade int64
	// Account is the listed account.
	Account *models.Account
}

// ErrListingTooLarge is returned when an unpaginated listing would exceed
// the configured cap (Kazoo answers 416 in that case).
var ErrListingTooLarge = &models.Error{Code: models.EINVALID, Reason: "range_not_satisfiable", Message: "range not satisfiable: paginate the listing", System: true}

// ListNumbers lists the numbers assigned to an account, ordered by number
// with keyset pagination (no OFFSET scans, so page 20,000 costs what page 1
// does).
func (s *Service) ListNumbers(ctx context.Context, accountID string, lq ListQuery) (*NumberPage, error) {
	acct, _, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	limit, unpaginated := lq.Limit, lq.Limit <= 0
	if unpaginated {
		limit = s.cfg.ListingLimit
	}
	base := store.NumberQuery{
		Owner: acct.ID, States: lq.States, Carriers: lq.Carriers, Prefix: lq.Prefix,
		AtOrAfter: lq.StartKey, After: lq.After,
		CreatedFrom: lq.CreatedFrom, CreatedTo: lq.CreatedTo, UpdatedFrom: lq.UpdatedFrom, UpdatedTo: lq.UpdatedTo,
	}
	page := &NumberPage{Account: acct}
	// Fetch one row more than the page to learn the next key. With Doc
	// filters, keep reading chunks until the page is full or rows run out.
	want := limit + 1
	chunk := want
	if len(lq.Doc) > 0 && chunk < 200 {
		chunk = 200
	}
	q := base
	for {
		q.Limit = chunk
		rows, err := s.db.Q().FindNumbers(ctx, q)
		if err != nil {
			return nil, s.read(ctx, err)
		}
		for _, n := range rows {
			n.Owner = acct.Ref()
			if matchAll(lq.Doc, n) {
				page.Numbers = append(page.Numbers, n)
				if len(page.Numbers) == want {
					break
				}
			}
		}
		if len(page.Numbers) == want || len(rows) < chunk {
			break
		}
		q.AtOrAfter, q.After = "", rows[len(rows)-1].Number
	}
	if len(page.Numbers) > limit {
		if unpaginated {
			return nil, ErrListingTooLarge
		}
		page.NextKey = page.Numbers[limit].Number
		page.Numbers = page.Numbers[:limit]
	}
	if lq.Cascade {
		if page.Cascade, err = s.cascadeCount(ctx, acct); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// CountNumbers counts an account's numbers matching a ListQuery (its
// pagination fields are ignored). Doc filters are not supported here.
func (s *Service) CountNumbers(ctx context.Context, accountID string, lq ListQuery) (int64, error) {
	acct, _, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return 0, err
	}
	n, err := s.db.Q().CountNumbers(ctx, store.NumberQuery{
		Owner: acct.ID, States: lq.States, Carriers: lq.Carriers, Prefix: lq.Prefix,
		CreatedFrom: lq.CreatedFrom, CreatedTo: lq.CreatedTo, UpdatedFrom: lq.UpdatedFrom, UpdatedTo: lq.UpdatedTo,
	})
	return n, s.read(ctx, err)
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
