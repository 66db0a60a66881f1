package service

import (
	"context"
	"time"

	"numberd/models"
	"numberd/store"
)

// Carrier is numberd's carrier contract (Kazoo's knm_gen_carrier,
// kazoo-number-manager.md §4.1), declared where it is used. The
// database-backed carriers (local, inventory, reserved) are in this file;
// an HTTP upstream (carriers/phonebook, the `other` carrier) is injected
// with WithCarrier.
type Carrier interface {
	// Name is the carrier module name (without knm_).
	Name() string
	// MaxPrefixLength is info().maximal_prefix_length.
	MaxPrefixLength() int
	// Find returns up to q.Quantity numbers starting with q.Prefix, sorted,
	// skipping q.Offset.
	Find(ctx context.Context, q models.SearchQuery) ([]models.FoundNumber, error)
	// Acquire buys n from the carrier; it may update n.CarrierData. It is
	// called for a discovery number being activated or reserved, outside
	// any database transaction.
	Acquire(ctx context.Context, n *models.Number) error
	// Disconnect tells the carrier a number left its owner.
	Disconnect(ctx context.Context, n *models.Number) error
	// Check reports whether numbers can still be bought, by E.164 number.
	Check(ctx context.Context, nums []string) (map[string]string, error)
}

// WithCarrier adds (or replaces) a carrier, e.g. the phonebook client as
// `other`. Whether it is searched is configuration (Config.Carriers, an
// account's carrier_modules).
func WithCarrier(c Carrier) Option { return func(s *Service) { s.carriers[c.Name()] = c } }

// errNotImplemented is what carriers without a check answer (Kazoo:
// {error, not_implemented}); the numbers they are asked about are "error".
var errNotImplemented = &models.Error{Code: models.EINVALID, Reason: "not_implemented", Message: "not implemented"}

// dbCarrier searches numbers stored in numberd: local and inventory
// numbers in state available (the carrier's own pool).
type dbCarrier struct {
	s    *Service
	name string
}

func (c *dbCarrier) Name() string         { return c.name }
func (c *dbCarrier) MaxPrefixLength() int { return 10 }

func (c *dbCarrier) Find(ctx context.Context, q models.SearchQuery) ([]models.FoundNumber, error) {
	rows, err := c.s.db.Q().FindNumberKeys(ctx, store.NumberQuery{
		States: []models.State{models.StateAvailable}, Carriers: []string{c.name}, Prefix: q.Prefix,
		Limit: q.Offset + q.Quantity,
	})
	if err != nil {
		return nil, err
	}
	return found(rows, q.Offset), nil
}

func (c *dbCarrier) Acquire(context.Context, *models.Number) error    { return nil }
func (c *dbCarrier) Disconnect(context.Context, *models.Number) error { return nil }
func (c *dbCarrier) Check(context.Context, []string) (map[string]string, error) {
	return nil, errNotImplemented
}

// reservedCarrier finds numbers reserved for the searching account or one
// of its ancestors (Kazoo's knm_reserved and knm_reserved_reseller), so a
// reseller's reservations show up in its customers' searches.
type reservedCarrier struct{ s *Service }

func (c *reservedCarrier) Name() string         { return models.CarrierReserved }
func (c *reservedCarrier) MaxPrefixLength() int { return 10 }

func (c *reservedCarrier) Find(ctx context.Context, q models.SearchQuery) ([]models.FoundNumber, error) {
	if q.Account.IsZero() {
		return nil, nil
	}
	owners := append(ancestors(q.Account.Path), q.Account.ID)
	rows, err := c.s.db.Q().FindNumberKeys(ctx, store.NumberQuery{
		Owners: owners, States: []models.State{models.StateReserved}, Prefix: q.Prefix, Limit: q.Offset + q.Quantity,
	})
	if err != nil {
		return nil, err
	}
	return found(rows, q.Offset), nil
}

func (c *reservedCarrier) Acquire(context.Context, *models.Number) error    { return nil }
func (c *reservedCarrier) Disconnect(context.Context, *models.Number) error { return nil }
func (c *reservedCarrier) Check(context.Context, []string) (map[string]string, error) {
	return nil, errNotImplemented
}

func found(rows []models.FoundNumber, offset int) []models.FoundNumber {
	if offset >= len(rows) {
		return nil
	}
	return rows[offset:]
}

// ancestors returns the ids above an account in its tree path.
func ancestors(path string) []string {
	ref := models.Account{Path: path}
	if path == "" {
		return nil
	}
	return ref.Tree()
}

// carrier returns the carrier of that name, or nil when numberd has no
// such module (not configured).
func (s *Service) carrier(name string) Carrier { return s.carriers[name] }

// carriersFor is Kazoo's available_carriers: with an account, the reserved
// carriers and local first, then the reseller's carrier_modules (the
// system list when it has none); only carriers numberd actually has are
// kept, without duplicates.
func (s *Service) carriersFor(acct, reseller *models.Account) []Carrier {
	var names []string
	if acct != nil {
		names = append(names, models.CarrierReserved, models.CarrierLocal)
	}
	if reseller != nil && len(reseller.CarrierModules) > 0 {
		names = append(names, reseller.CarrierModules...)
	} else {
		names = append(names, s.cfg.Carriers...)
	}
	seen := map[string]bool{}
	var out []Carrier
	for _, n := range names {
		n = models.CleanCarrierName(n)
		if n == models.CarrierReservedReseller {
			n = models.CarrierReserved
		}
		c := s.carriers[n]
		if c == nil || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, c)
	}
	return out
}

// resellerOf returns the account whose carrier configuration applies to
// acct: the nearest of acct and its ancestors that is a reseller or a
// superduper admin (nil when there is none).
func (s *Service) resellerOf(ctx context.Context, acct *models.Account) (*models.Account, error) {
	if acct.Reseller || acct.SuperduperAdmin {
		return acct, nil
	}
	// Nearest ancestor first, through the account cache: a search's
	// reseller is usually the parent, one cached lookup away.
	tree := acct.Tree()
	for i := len(tree) - 1; i >= 0; i-- {
		a, err := s.account(ctx, tree[i])
		if models.ErrorCode(err) == models.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, s.read(ctx, err)
		}
		if !a.Deleted() && (a.Reseller || a.SuperduperAdmin) {
			return a, nil
		}
	}
	return nil, nil
}

// withTimeout bounds one carrier call by the configured search timeout.
func (s *Service) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	d := s.cfg.CarrierTimeout
	if d <= 0 {
		d = 5 * time.Second
	}
	return context.WithTimeout(ctx, d)
}
