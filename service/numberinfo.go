package service

import (
	"context"
	"sort"
	"strings"

	"numberd/locality"
	"numberd/models"
)

// Phonebook answers locality and prefix-by-city questions
// (kazoo-crossbar-phone-numbers.md §5.4, §5.6). numberd's own is the
// embedded libphonenumber data; carriers/phonebook is an upstream one.
type Phonebook interface {
	// Locality describes numbers.
	Locality(ctx context.Context, nums []string) ([]models.Locality, error)
	// CityPrefixes returns the prefixes serving a city: typed results, or
	// an upstream's data as it answered (raw), passed through by REST.
	CityPrefixes(ctx context.Context, city string) (typed []models.CityPrefixes, raw any, err error)
}

// WithPhonebook replaces the embedded phonebook (an upstream configured
// by URL).
func WithPhonebook(p Phonebook) Option { return func(s *Service) { s.phonebook = p } }

// embeddedPhonebook is the default Phonebook: offline data.
type embeddedPhonebook struct{ b *locality.Book }

func (e embeddedPhonebook) Locality(_ context.Context, nums []string) ([]models.Locality, error) {
	return e.b.Locality(nums), nil
}

func (e embeddedPhonebook) CityPrefixes(_ context.Context, city string) ([]models.CityPrefixes, any, error) {
	return e.b.CityPrefixes(city), nil, nil
}

// Classifiers returns the number classes in evaluation order
// (GET .../phone_numbers/classifiers). Any caller who may act on accountID.
func (s *Service) Classifiers(ctx context.Context, accountID string) ([]*models.Classifier, error) {
	if accountID != "" {
		if _, _, err := s.accountForCaller(ctx, accountID); err != nil {
			return nil, err
		}
	} else if _, err := actor(ctx); err != nil {
		return nil, err
	}
	return s.cfg.Classifiers, nil
}

// Classification is the class of one number.
type Classification struct {
	// Number is the input as given; E164 its normalised form.
	Number string
	E164   string
	// Classifier is the first matching class (nil when none matches,
	// only possible without `unknown`).
	Classifier *models.Classifier
}

// ClassifyNumber classifies a number (GET .../classifiers/{N}). It never
// fails for a bad number: the `unknown` class matches anything.
func (s *Service) ClassifyNumber(ctx context.Context, accountID, raw string) (*Classification, error) {
	if _, err := s.Classifiers(ctx, accountID); err != nil {
		return nil, err
	}
	return &Classification{Number: raw, E164: models.Normalize(raw), Classifier: s.Classify(raw)}, nil
}

// Classify returns the class of a number under the configured classifiers
// (nil when none matches).
func (s *Service) Classify(raw string) *models.Classifier {
	return models.Classify(s.cfg.Classifiers, raw)
}

// Locality describes numbers (POST .../phone_numbers/locality): the
// configured upstream phonebook, or the embedded data. The list is
// validated like a collection's.
func (s *Service) Locality(ctx context.Context, accountID string, raws []string) ([]models.Locality, error) {
	if _, _, err := s.accountForCaller(ctx, accountID); err != nil {
		return nil, err
	}
	if err := CheckNumberList(raws); err != nil {
		return nil, err
	}
	cctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.phonebook.Locality(cctx, raws)
}

// LocalityOf describes one number from the embedded data (search results,
// GraphQL). It never calls an upstream.
func (s *Service) LocalityOf(raw string) models.Locality { return s.book.Locality([]string{raw})[0] }

// PrefixesForCity returns the prefixes serving a city
// (GET .../phone_numbers/prefix?city=). accountID is "" on the anonymous
// /v2/phone_numbers/prefix. A missing city is 404 bad_identifier.
func (s *Service) PrefixesForCity(ctx context.Context, accountID, city string) ([]models.CityPrefixes, any, error) {
	if accountID != "" {
		if _, _, err := s.accountForCaller(ctx, accountID); err != nil {
			return nil, nil, err
		}
	}
	if strings.TrimSpace(city) == "" {
		return nil, nil, &models.Error{Code: models.ENOTFOUND, Reason: models.ReasonBadIdentifier, Message: "bad identifier", System: true}
	}
	cctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.phonebook.CityPrefixes(cctx, city)
}

// CheckNumbers asks the system carriers whether numbers can still be
// bought (POST .../phone_numbers/check, Kazoo §4.5): each carrier in turn
// settles what it can; a carrier that cannot check (every one but an
// upstream phonebook) leaves its numbers "error". Unreconcilable inputs
// are "error" under their raw form.
func (s *Service) CheckNumbers(ctx context.Context, accountID string, raws []string) (map[string]string, error) {
	if _, _, err := s.accountForCaller(ctx, accountID); err != nil {
		return nil, err
	}
	if err := CheckNumberList(raws); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var left []string
	for _, r := range raws {
		e, err := models.ParseNumber(r)
		if err != nil {
			out[r] = "error"
			continue
		}
		out[e] = "error"
		left = append(left, e)
	}
	for _, c := range s.carriersFor(nil, nil) {
		if len(left) == 0 {
			break
		}
		cctx, cancel := s.withTimeout(ctx)
		res, err := c.Check(cctx, left)
		cancel()
		if err != nil {
			if err != errNotImplemented {
				s.log.Warn("carrier check failed", "carrier", c.Name(), "err", err)
			}
			continue
		}
		var rest []string
		for _, n := range left {
			if st, ok := res[n]; ok {
				out[n] = st
			} else {
				rest = append(rest, n)
			}
		}
		left = rest
	}
	return out, nil
}

// CarriersInfo is GET .../phone_numbers/carriers_info: the shortest
// maximal prefix length of the carriers searched for the account (from
// 15), every carrier numberd knows, and the states the caller may create
// numbers in. resellerID, when given, is gated like a search's.
func (s *Service) CarriersInfo(ctx context.Context, accountID, resellerID string) (*models.CarriersInfo, error) {
	acct, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	reseller, err := s.resellerOf(ctx, acct)
	if err != nil {
		return nil, err
	}
	if resellerID != "" {
		if reseller, err = s.gateReseller(ctx, a, resellerID); err != nil {
			return nil, err
		}
	}
	info := &models.CarriersInfo{MaximalPrefixLength: 15, UsableCarriers: models.UsableCarriers(), UsableCreationStates: models.CreationStates(a)}
	for _, c := range s.carriersFor(acct, reseller) {
		info.MaximalPrefixLength = min(info.MaximalPrefixLength, c.MaxPrefixLength())
	}
	return info, nil
}

// Identification is who owns a number (identify).
type Identification struct {
	AccountID string
	Number    string
}

// IdentifyNumber answers GET .../phone_numbers/{N}/identify. Unlike Kazoo
// it only answers for numbers owned by the caller's account or one of its
// descendants (a superduper admin: every number); anything else is 404,
// so other tenants' account ids never leak (decisions.md 13). Then
// Kazoo's checks: unowned → 400 unassigned; not in
// in_service/port_in/port_out/reserved → 400 not_in_service; owner
// disabled → 400 account_disabled.
func (s *Service) IdentifyNumber(ctx context.Context, accountID, raw string) (*Identification, error) {
	_, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	e, err := models.ParseNumber(raw)
	if err != nil {
		return nil, models.ErrNotFound()
	}
	n, err := s.db.Q().NumberByE164(ctx, e)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	visible := a.IsAdmin() || (n.Assigned() && n.Owner.HasAncestorOrSelf(a.Account.ID))
	if !visible || n.State == models.StateDiscovery {
		return nil, models.ErrNotFound()
	}
	if !n.Assigned() {
		return nil, &models.Error{Code: models.EINVALID, Reason: models.ReasonUnassigned, Message: "unassigned"}
	}
	details := map[string]any{"account_id": n.AssignedTo, "number": n.Number}
	if !n.State.InServiceLike() {
		return nil, &models.Error{Code: models.EINVALID, Reason: models.ReasonNotInService, Message: "not in service", Details: details}
	}
	owner, err := s.db.Q().AccountByID(ctx, n.AssignedTo)
	if err != nil && models.ErrorCode(err) != models.ENOTFOUND {
		return nil, s.read(ctx, err)
	}
	if owner == nil || !owner.Enabled || owner.Deleted() {
		return nil, &models.Error{Code: models.EINVALID, Reason: models.ReasonAccountDisabled, Message: "account disabled", Details: details}
	}
	return &Identification{AccountID: n.AssignedTo, Number: n.Number}, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
