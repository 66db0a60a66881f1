package service

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"numberd/models"
	"numberd/store"
)

// SearchInput is a number search (GET /v2/phone_numbers?prefix=... and
// GET /v2/accounts/{A}/phone_numbers?prefix=...). Quantity and Offset are
// the raw query values ("" when absent).
type SearchInput struct {
	// AccountID is the URL account ("" on /v2/phone_numbers).
	AccountID string
	// ResellerID is the optional reseller_id.
	ResellerID string
	Prefix     string
	Country    string
	Quantity   string
	Offset     string
}

// SearchResult is one number a search found.
type SearchResult struct {
	Number string
	// State is discovery (an upstream's number, bought on activation),
	// available (local or inventory) or reserved.
	State   models.State
	Carrier string
	// Classifier is the number's class (nil when none matches).
	Classifier *models.Classifier
	// Locality is what the embedded data knows (Status "error" when
	// nothing).
	Locality models.Locality
}

// maxSearchWindow bounds offset+quantity: each carrier is asked for that
// many numbers (Kazoo caches at most 500 per carrier).
const maxSearchWindow = 10_000

var (
	digitsRe   = regexp.MustCompile(`^[0-9]+$`)
	e164PrefRe = regexp.MustCompile(`^\+[1-9][0-9]{2,14}$`)
)

func searchValidation(f models.FieldError) error { return models.ErrValidation(f) }

// parseSearch validates a search's parameters (Kazoo's find_numbers
// schema plus decisions.md 10): the E.164 prefix searched, the country,
// quantity (default 1, below 1 → 1, capped at 500) and offset.
func (s *Service) parseSearch(in SearchInput) (prefix, country string, quantity, offset int, err error) {
	raw := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, in.Prefix)
	country = strings.ToUpper(strings.TrimSpace(in.Country))
	if country == "" {
		country = "US"
	}
	switch {
	case raw == "":
		return "", "", 0, 0, searchValidation(models.FieldError{Path: "prefix", Rule: "required", Message: "Field is required but missing"})
	case strings.HasPrefix(raw, "+"):
		if !e164PrefRe.MatchString(raw) {
			return "", "", 0, 0, searchValidation(models.FieldError{Path: "prefix", Rule: "pattern",
				Message: `Failed to match pattern '^\+[1-9][0-9]{2,14}$'`, Target: `^\+[1-9][0-9]{2,14}$`, Value: raw})
		}
		prefix = raw
	case len(raw) < 3:
		return "", "", 0, 0, searchValidation(models.FieldError{Path: "prefix", Rule: "minLength", Message: "String must be at least 3 characters", Target: 3, Value: raw})
	case len(raw) > 10:
		return "", "", 0, 0, searchValidation(models.FieldError{Path: "prefix", Rule: "maxLength", Message: "String must not be more than 10 characters", Target: 10, Value: raw})
	case !digitsRe.MatchString(raw):
		return "", "", 0, 0, searchValidation(models.FieldError{Path: "prefix", Rule: "pattern", Message: "Failed to match pattern '^[0-9]+$'", Target: "^[0-9]+$", Value: raw})
	}
	if len(country) != 2 {
		rule, msg := "minLength", "String must be at least 2 characters"
		if len(country) > 2 {
			rule, msg = "maxLength", "String must not be more than 2 characters"
		}
		return "", "", 0, 0, searchValidation(models.FieldError{Path: "country", Rule: rule, Message: msg, Target: 2, Value: in.Country})
	}
	code := s.book.DialCode(country)
	if code == 0 {
		return "", "", 0, 0, searchValidation(models.FieldError{Path: "country", Rule: "enum", Message: "Value not found in enumerated list of values", Value: in.Country})
	}
	if prefix == "" {
		prefix = "+" + strconv.Itoa(code) + raw
	}
	quantity = 1
	if q := strings.TrimSpace(in.Quantity); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil {
			return "", "", 0, 0, searchValidation(models.FieldError{Path: "quantity", Rule: "type", Message: "Value did not match type(s): integer", Target: "integer", Value: q})
		}
		quantity = min(max(n, 1), models.MaxSearchQuantity)
	}
	if o := strings.TrimSpace(in.Offset); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil {
			return "", "", 0, 0, searchValidation(models.FieldError{Path: "offset", Rule: "type", Message: "Value did not match type(s): integer", Target: "integer", Value: o})
		}
		offset = max(n, 0)
	}
	return prefix, country, quantity, offset, nil
}

func errSearchRestricted() *models.Error {
	return &models.Error{Code: models.ENOTFOUND, Reason: "number_search_restricted", Message: "number search restricted", System: true, RawData: map[string]any{}}
}

// gateReseller applies Kazoo's reseller_id gate: the account must exist
// (404 nonexistent reseller_id) and be a reseller or superduper admin that
// allows unauthorized lookups (404 number search restricted). A caller
// who may act on the reseller account anyway passes without the flag.
func (s *Service) gateReseller(ctx context.Context, a *models.Actor, id string) (*models.Account, error) {
	if !models.IsAccountID(id) {
		return nil, &models.Error{Code: models.ENOTFOUND, Reason: "nonexistent_reseller_id", Message: "nonexistent reseller_id", System: true, RawData: map[string]any{}}
	}
	r, err := s.account(ctx, id)
	if models.ErrorCode(err) == models.ENOTFOUND || (err == nil && r.Deleted()) {
		return nil, &models.Error{Code: models.ENOTFOUND, Reason: "nonexistent_reseller_id", Message: "nonexistent reseller_id", System: true, RawData: map[string]any{}}
	}
	if err != nil {
		return nil, s.read(ctx, err)
	}
	if a != nil && a.CanAccessAccount(r.Ref()) {
		return r, nil
	}
	if !(r.Reseller || r.SuperduperAdmin) || !r.NumbersLookup || !r.Enabled {
		return nil, errSearchRestricted()
	}
	return r, nil
}

// SearchNumbers searches every carrier enabled for the searching account
// in parallel and returns one page of the merged results, sorted by number
// and without duplicates (decisions.md 10–11). The searching account is the
// URL account, else the caller's, else (anonymous) the reseller_id account.
// Upstream (discovery) results of the page are stored as discovery
// numbers with an expiry, so any numberd instance can activate them.
//
// Errors: 400 validation (prefix, country, quantity, offset), 401 for an
// anonymous search without reseller_id, 404 number search restricted /
// nonexistent reseller_id, and the account check of the URL account. A
// carrier that fails or times out only loses its results.
func (s *Service) SearchNumbers(ctx context.Context, in SearchInput) ([]SearchResult, error) {
	a := models.ActorFromContext(ctx)
	var acct, reseller *models.Account
	var err error
	switch {
	case in.AccountID != "":
		if acct, _, err = s.accountForCaller(ctx, in.AccountID); err != nil {
			return nil, err
		}
	case in.ResellerID != "":
	case a != nil:
		if acct, err = s.account(ctx, a.Account.ID); err != nil {
			return nil, s.read(ctx, err)
		}
	default:
		return nil, errUnauthenticated()
	}
	prefix, country, quantity, offset, err := s.parseSearch(in)
	if err != nil {
		return nil, err
	}
	if in.ResellerID != "" {
		if reseller, err = s.gateReseller(ctx, a, in.ResellerID); err != nil {
			return nil, err
		}
		if acct == nil {
			acct = reseller
		}
	} else if reseller, err = s.resellerOf(ctx, acct); err != nil {
		return nil, err
	}
	window := min(offset+quantity, maxSearchWindow)
	q := models.SearchQuery{Prefix: prefix, Country: country, Quantity: window, Account: acct.Ref()}
	if reseller != nil {
		q.Reseller = reseller.Ref()
	}
	carriers := s.carriersFor(acct, reseller)
	answers := make([][]models.FoundNumber, len(carriers))
	var wg sync.WaitGroup
	for i, c := range carriers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := s.withTimeout(ctx)
			defer cancel()
			res, err := c.Find(cctx, q)
			if err != nil {
				s.log.Warn("carrier search failed", "carrier", c.Name(), "prefix", prefix, "err", err)
				return
			}
			answers[i] = res
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, s.contextError(ctx, err)
	}
	// Merge: the first carrier to name a number wins (reserved, then local,
	// then the configured ones).
	byNumber := map[string]models.FoundNumber{}
	var discovered []string
	for _, list := range answers {
		for _, f := range list {
			if !strings.HasPrefix(f.Number, prefix) {
				continue
			}
			if _, dup := byNumber[f.Number]; dup {
				continue
			}
			byNumber[f.Number] = f
			if f.State == models.StateDiscovery {
				discovered = append(discovered, f.Number)
			}
		}
	}
	// An upstream may offer a number numberd already holds: only numbers
	// that are absent, or still mere discoveries, are offered as such.
	if len(discovered) > 0 {
		held, err := s.db.Q().NumbersForUpdate(ctx, discovered)
		if err != nil {
			return nil, s.read(ctx, err)
		}
		for num, n := range held {
			if n.State != models.StateDiscovery {
				delete(byNumber, num)
			}
		}
	}
	nums := sortedKeys(byNumber)
	if offset >= len(nums) {
		nums = nil
	} else {
		nums = nums[offset:min(len(nums), offset+quantity)]
	}
	out := make([]SearchResult, 0, len(nums))
	var keep []models.FoundNumber
	for _, n := range nums {
		f := byNumber[n]
		out = append(out, SearchResult{Number: n, State: f.State, Carrier: f.Carrier, Classifier: s.Classify(n), Locality: s.LocalityOf(n)})
		if f.State == models.StateDiscovery {
			keep = append(keep, f)
		}
	}
	if len(keep) > 0 {
		if err := s.storeDiscoveries(ctx, keep); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// errSkip tells runBatch callers that a number needs nothing (used by
// background work that re-checks its candidates under the row lock).
var errSkip = errors.New("skip")

// systemActor is numberd itself: the sweeper, and the writer of discovery
// rows for anonymous searches. Its events carry no actor account.
var systemActor = &models.Actor{Account: models.AccountRef{Admin: true}, Name: "numberd"}

// storeDiscoveries writes upstream search results as discovery numbers
// (decisions.md 11): new ones are inserted with an expiry (history action
// discover), existing discovery rows get a fresh expiry and carrier data,
// and numbers that became anything else meanwhile are left alone.
func (s *Service) storeDiscoveries(ctx context.Context, found []models.FoundNumber) error {
	byNum := make(map[string]models.FoundNumber, len(found))
	raws := make([]string, 0, len(found))
	for _, f := range found {
		byNum[f.Number] = f
		raws = append(raws, f.Number)
	}
	a := models.ActorFromContext(ctx)
	if a == nil {
		a = systemActor
	}
	_, err := s.runBatchAs(ctx, a, raws, models.ActionDiscover, func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
		f := byNum[e164]
		exp := now.Add(s.cfg.DiscoveryTTL)
		switch {
		case cur == nil:
			return &change{insert: true, next: &models.Number{
				Number: e164, State: models.StateDiscovery, Carrier: f.Carrier, CarrierData: f.CarrierData.Clone(),
				Features: models.Doc{}, Public: models.Doc{}, ReserveHistory: models.StringList{}, ExpiresAt: &exp,
			}}, nil
		case cur.State == models.StateDiscovery:
			cur.ExpiresAt, cur.Carrier, cur.CarrierData = &exp, f.Carrier, f.CarrierData.Clone()
			return &change{next: cur}, nil
		}
		return nil, errSkip
	})
	return err
}

// acquired is the outcome of buying one discovery number from its carrier.
type acquired struct {
	data models.Doc
	err  error
}

// acquireDiscoveries buys, from their carriers, the discovery numbers
// among raws that the caller could move to `to` for acct. It runs before
// the write transaction, so no database lock is held while an upstream
// answers; the write then re-checks everything under the row lock and
// only moves numbers whose purchase succeeded. A failed purchase fails
// that number only (and leaves it a discovery number).
func (s *Service) acquireDiscoveries(ctx context.Context, a *models.Actor, acct *models.Account, raws []string, to models.State) (map[string]acquired, error) {
	var nums []string
	for _, r := range raws {
		if e, err := models.ParseNumber(r); err == nil {
			nums = append(nums, e)
		}
	}
	if len(nums) == 0 {
		return nil, nil
	}
	rows, err := s.db.Q().DiscoveriesAmong(ctx, nums)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	now := s.Now()
	out := map[string]acquired{}
	for _, e := range sortedKeys(rows) {
		n := rows[e]
		if n.State != models.StateDiscovery || discoveryExpired(n, now) {
			continue
		}
		trial := n.Clone()
		if _, err := models.ChangeState(trial, models.Move{Actor: a, AssignTo: acct.Ref(), To: to}); err != nil {
			continue // the write reports it
		}
		c := s.carrier(n.Carrier)
		if c == nil {
			out[e] = acquired{err: &models.Error{Code: models.EUPSTREAM, Reason: models.ReasonUnspecifiedFault, Message: "missing_provider_url", Cause: e}}
			continue
		}
		cctx, cancel := s.withTimeout(ctx)
		err := c.Acquire(cctx, trial)
		cancel()
		if err != nil && models.AsError(err) == nil {
			err = &models.Error{Code: models.EUPSTREAM, Reason: models.ReasonUnspecifiedFault, Message: "fault by carrier", Cause: e, Err: err}
		}
		if err != nil {
			s.log.Warn("carrier acquire failed", "carrier", n.Carrier, "number", e, "err", err)
		}
		out[e] = acquired{data: trial.CarrierData, err: err}
	}
	return out, nil
}

// discoveryExpired reports a discovery row past its expiry: it is treated
// as absent (the sweeper removes it).
func discoveryExpired(n *models.Number, now time.Time) bool {
	return n.State == models.StateDiscovery && n.ExpiresAt != nil && !n.ExpiresAt.After(now)
}

// buyDiscovery prepares a stored discovery number for a move inside the
// write: absent when expired, failed when its purchase failed or did not
// happen, otherwise carrying the carrier's data and no expiry.
func buyDiscovery(cur *models.Number, bought map[string]acquired, now time.Time) error {
	if discoveryExpired(cur, now) {
		return models.ErrNotFound()
	}
	r, ok := bought[cur.Number]
	if !ok {
		return models.ErrNotFound() // became a discovery after the purchase step
	}
	if r.err != nil {
		return r.err
	}
	cur.CarrierData = r.data
	cur.ExpiresAt = nil
	return nil
}
