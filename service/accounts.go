package service

import (
	"context"
	"strings"
	"unicode/utf8"

	"numberd/models"
	"numberd/store"
)

// AccountInput creates or changes an account. Nil fields are left alone.
type AccountInput struct {
	Name           *string
	Reseller       *bool
	AllowAdditions *bool
	Enabled        *bool
	// CarrierModules sets the carriers searched for the account's tree
	// (an empty list: the system list). Superduper admin only.
	CarrierModules *[]string
	// NumbersLookup allows anonymous searches naming the account as
	// reseller_id. Superduper admin only.
	NumbersLookup *bool
}

// account loads an account through the short-lived cache (accounts never
// move in the tree; their flags may be a few seconds stale here, never in
// writes, which re-read inside their transaction).
func (s *Service) account(ctx context.Context, id string) (*models.Account, error) {
	now := s.Now()
	if a, ok := s.accounts.get(id, now, 0); ok {
		return a, nil
	}
	a, err := s.db.Q().AccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.cfg.AuthCacheTTL > 0 {
		s.accounts.put(id, a, now.Add(s.cfg.AuthCacheTTL), 0)
	}
	return a, nil
}

// accountForCaller returns the account the caller names in a request, after
// Crossbar's account check: the caller must be the account or an ancestor of
// it (a superduper admin reaches every account). A missing or deleted
// account is 404 bad_identifier for an admin and 403 for anyone else, so
// account ids of other tenants cannot be probed.
func (s *Service) accountForCaller(ctx context.Context, id string) (*models.Account, *models.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !models.IsAccountID(id) {
		if a.IsAdmin() {
			return nil, nil, models.ErrBadIdentifier("The account could not be found")
		}
		return nil, nil, models.ErrAccessDenied()
	}
	acct, err := s.account(ctx, id)
	if models.ErrorCode(err) == models.ENOTFOUND || (err == nil && acct.Deleted()) {
		if a.IsAdmin() {
			return nil, nil, models.ErrBadIdentifier("The account could not be found")
		}
		return nil, nil, models.ErrAccessDenied()
	}
	if err != nil {
		return nil, nil, s.read(ctx, err)
	}
	if !a.CanAccessAccount(acct.Ref()) {
		return nil, nil, models.ErrAccessDenied()
	}
	return acct, a, nil
}

// GetAccount returns an account the caller may see.
func (s *Service) GetAccount(ctx context.Context, id string) (*models.Account, error) {
	acct, _, err := s.accountForCaller(ctx, id)
	return acct, err
}

// Me returns the caller's own account.
func (s *Service) Me(ctx context.Context) (*models.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.GetAccount(ctx, a.Account.ID)
}

// AccountsByID returns the accounts among ids the caller may see (a batch
// for loaders); others are simply absent. Accounts come through the same
// short-lived cache as account (their tree position never changes; a
// rename or deletion made on another instance shows within AuthCacheTTL),
// and the misses are read in one query: a GraphQL page of 50 numbers with
// account { name } asked the database for the same account 50 times.
func (s *Service) AccountsByID(ctx context.Context, ids []string) (map[string]*models.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	all := make(map[string]*models.Account, len(ids))
	var miss []string
	for _, id := range ids {
		if acct, ok := s.accounts.get(id, now, 0); ok {
			all[id] = acct
		} else {
			miss = append(miss, id)
		}
	}
	if len(miss) > 0 {
		got, err := s.db.Q().AccountsByID(ctx, miss)
		if err != nil {
			return nil, s.read(ctx, err)
		}
		for id, acct := range got {
			all[id] = acct
			if s.cfg.AuthCacheTTL > 0 {
				s.accounts.put(id, acct, now.Add(s.cfg.AuthCacheTTL), 0)
			}
		}
	}
	for id, acct := range all {
		if acct.Deleted() || !a.CanAccessAccount(acct.Ref()) {
			delete(all, id)
		}
	}
	return all, nil
}

// ChildAccounts returns the live children of an account the caller may see.
func (s *Service) ChildAccounts(ctx context.Context, id string) ([]*models.Account, error) {
	if _, _, err := s.accountForCaller(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Q().ChildAccounts(ctx, id)
	return rows, s.read(ctx, err)
}

// ChildrenOf returns the live children of several accounts the caller may
// see, keyed by parent (loaders).
func (s *Service) ChildrenOf(ctx context.Context, parentIDs []string) (map[string][]*models.Account, error) {
	visible, err := s.AccountsByID(ctx, parentIDs)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(visible))
	for id := range visible {
		ids = append(ids, id)
	}
	rows, err := s.db.Q().ChildrenOf(ctx, ids)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	out := map[string][]*models.Account{}
	for _, r := range rows {
		out[r.ParentID] = append(out[r.ParentID], r)
	}
	return out, nil
}

func validateAccountInput(in AccountInput, create bool) error {
	if create && in.Name == nil {
		return models.ErrValidation(models.FieldError{Path: "name", Rule: "required", Message: "Field is required but missing"})
	}
	if in.Name != nil {
		n := utf8.RuneCountInString(strings.TrimSpace(*in.Name))
		if n < 1 {
			return models.ErrValidation(models.FieldError{Path: "name", Rule: "minLength", Message: "String must be at least 1 characters", Target: 1, Value: *in.Name})
		}
		if n > 128 {
			return models.ErrValidation(models.FieldError{Path: "name", Rule: "maxLength", Message: "String must not be more than 128 characters", Target: 128, Value: *in.Name})
		}
	}
	return nil
}

// privileged reports whether the input sets a flag only a superduper admin
// may set (reseller, wnm_allow_additions).
func (in AccountInput) privileged() bool {
	return (in.Reseller != nil && *in.Reseller) || (in.AllowAdditions != nil && *in.AllowAdditions) ||
		in.CarrierModules != nil || in.NumbersLookup != nil
}

// validateCarrierModules accepts known carrier module names (knm_ prefix
// optional) and returns them cleaned.
func validateCarrierModules(l []string) ([]string, error) {
	out := []string{}
	for _, c := range l {
		n := models.CleanCarrierName(c)
		known := false
		for _, k := range models.KnownCarriers {
			known = known || k == n
		}
		if !known {
			return nil, models.ErrValidation(models.FieldError{Path: "carrier_modules", Rule: "enum",
				Message: "Value not found in enumerated list of values", Target: models.KnownCarriers, Value: c})
		}
		out = append(out, n)
	}
	return out, nil
}

// carriers validates the carrier list of the input (nil when not given).
func (in AccountInput) carriers() ([]string, error) {
	if in.CarrierModules == nil {
		return nil, nil
	}
	return validateCarrierModules(*in.CarrierModules)
}

// applyTo sets the given fields of the input on acct (carriers validated).
func (in AccountInput) applyTo(acct *models.Account, carriers []string) {
	if in.Name != nil {
		acct.Name = strings.TrimSpace(*in.Name)
	}
	if in.Reseller != nil {
		acct.Reseller = *in.Reseller
	}
	if in.AllowAdditions != nil {
		acct.AllowAdditions = *in.AllowAdditions
	}
	if in.Enabled != nil {
		acct.Enabled = *in.Enabled
	}
	if in.CarrierModules != nil {
		acct.CarrierModules = carriers
	}
	if in.NumbersLookup != nil {
		acct.NumbersLookup = *in.NumbersLookup
	}
}

// CreateAccount creates a child of parentID (PUT /v2/accounts/{PARENT}).
// Returns 403 when the caller may not act on the parent or sets reseller or
// wnm_allow_additions without being a superduper admin; 400 validation when
// the name is missing or the tree would grow too deep.
func (s *Service) CreateAccount(ctx context.Context, parentID string, in AccountInput) (*models.Account, error) {
	parent, a, err := s.accountForCaller(ctx, parentID)
	if err != nil {
		return nil, err
	}
	if err := validateAccountInput(in, true); err != nil {
		return nil, err
	}
	if in.privileged() && !a.IsAdmin() {
		return nil, models.ErrAccessDenied()
	}
	if len(strings.Split(parent.Path, "/")) >= models.MaxAccountDepth {
		return nil, models.ErrValidation(models.FieldError{Path: "parent", Rule: "maximum",
			Message: "The account tree may not be more than 20 levels deep", Target: models.MaxAccountDepth})
	}
	now := s.Now()
	key := randomHex(32)
	acct := &models.Account{
		ID: randomHex(16), Name: strings.TrimSpace(*in.Name), ParentID: parent.ID, Enabled: true,
		APIKey: key, APIKeyHash: hashSecret(key), CreatedAt: now, UpdatedAt: now,
	}
	acct.Path = parent.Path + "/" + acct.ID
	carriers, err := in.carriers()
	if err != nil {
		return nil, err
	}
	in.applyTo(acct, carriers)
	if err := s.withTx(ctx, func(q *store.Q) error { return q.InsertAccount(ctx, acct) }); err != nil {
		return nil, err
	}
	return acct, nil
}

// UpdateAccount changes an account's name, enabled flag, and (superduper
// admin only) its reseller and wnm_allow_additions flags.
func (s *Service) UpdateAccount(ctx context.Context, id string, in AccountInput) (*models.Account, error) {
	_, a, err := s.accountForCaller(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := validateAccountInput(in, false); err != nil {
		return nil, err
	}
	if (in.Reseller != nil || in.AllowAdditions != nil || in.CarrierModules != nil || in.NumbersLookup != nil) && !a.IsAdmin() {
		return nil, models.ErrAccessDenied()
	}
	carriers, err := in.carriers()
	if err != nil {
		return nil, err
	}
	if in.Enabled != nil && !*in.Enabled && id == a.Account.ID {
		return nil, models.ErrAccessDenied() // an account cannot lock itself out
	}
	var out *models.Account
	err = s.withTx(ctx, func(q *store.Q) error {
		acct, err := q.AccountByID(ctx, id)
		if err != nil {
			return err
		}
		in.applyTo(acct, carriers)
		acct.UpdatedAt = s.Now()
		out = acct
		return q.UpdateAccount(ctx, acct)
	})
	if err != nil {
		return nil, err
	}
	s.accounts.del(id)
	s.auth.clear()
	return out, nil
}

// DeleteAccount soft-deletes an account with no live children. The caller
// may not delete its own account. Its numbers stay where they are until
// released or repaired by fix.
func (s *Service) DeleteAccount(ctx context.Context, id string) (*models.Account, error) {
	_, a, err := s.accountForCaller(ctx, id)
	if err != nil {
		return nil, err
	}
	if id == a.Account.ID {
		return nil, models.ErrAccessDenied()
	}
	var out *models.Account
	err = s.withTx(ctx, func(q *store.Q) error {
		kids, err := q.ChildAccounts(ctx, id)
		if err != nil {
			return err
		}
		if len(kids) > 0 {
			return &models.Error{Code: models.ECONFLICT, Reason: "account_has_descendants", Message: "account has descendants", System: true}
		}
		acct, err := q.AccountByID(ctx, id)
		if err != nil {
			return err
		}
		now := s.Now()
		acct.DeletedAt, acct.Enabled, acct.UpdatedAt = &now, false, now
		out = acct
		return q.UpdateAccount(ctx, acct)
	})
	if err != nil {
		return nil, err
	}
	s.accounts.del(id)
	s.auth.clear()
	return out, nil
}

// APIKey returns an account's API key (GET /v2/accounts/{ID}/api_key).
func (s *Service) APIKey(ctx context.Context, id string) (string, error) {
	acct, _, err := s.accountForCaller(ctx, id)
	if err != nil {
		return "", err
	}
	return acct.APIKey, nil
}
