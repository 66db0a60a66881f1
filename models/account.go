package models

import (
	"strings"
	"time"
)

// MaxAccountDepth bounds the reseller tree so an account path always fits
// its indexed column (32-hex ids joined by "/").
const MaxAccountDepth = 20

// Account is one node of the reseller tree.
type Account struct {
	ID       string `gorm:"primaryKey;size:32"`
	Name     string `gorm:"size:128;not null"`
	ParentID string `gorm:"size:32;index"`
	// Path is the ids from the root to this account joined by "/", e.g.
	// "<master>/<reseller>/<self>". Accounts never move, so it never changes;
	// subtree queries are range scans on it.
	Path            string `gorm:"size:700;not null;index"`
	Reseller        bool   `gorm:"not null;default:false"`
	SuperduperAdmin bool   `gorm:"not null;default:false"`
	// AllowAdditions is Kazoo's pvt_wnm_allow_additions: the account may
	// create numbers (in_service or reserved) out of nothing.
	AllowAdditions bool   `gorm:"not null;default:false"`
	Enabled        bool   `gorm:"not null"` // no default tag: GORM would store a false as true
	APIKey         string `gorm:"size:64;not null"`
	APIKeyHash     string `gorm:"size:64;not null;uniqueIndex"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      *time.Time `gorm:"index"`

	// CarrierModules is Kazoo's per-reseller number_manager.carrier_modules:
	// the carriers searched for this reseller's tree (empty: the system
	// list). Only a superduper admin sets it.
	CarrierModules StringList `gorm:"type:text"`
	// NumbersLookup is Kazoo's number_manager.unauthorized_numbers_lookup:
	// anonymous searches may name this reseller as reseller_id.
	NumbersLookup bool `gorm:"not null;default:false"`
}

// Tree returns the ancestors of the account, root first (Kazoo's pvt_tree).
func (a *Account) Tree() []string {
	ids := strings.Split(a.Path, "/")
	return ids[:len(ids)-1]
}

// Deleted reports whether the account was deleted.
func (a *Account) Deleted() bool { return a.DeletedAt != nil }

// Ref returns what the authorization rules need to know of the account.
func (a *Account) Ref() AccountRef {
	return AccountRef{ID: a.ID, Path: a.Path, Admin: a.SuperduperAdmin}
}

// AccountRef is what the authorization rules need to know of an account:
// its id, where it sits in the tree, and whether it is a superduper admin.
type AccountRef struct {
	ID    string
	Path  string
	Admin bool
}

// IsZero reports an empty reference (no account).
func (r AccountRef) IsZero() bool { return r.ID == "" }

// HasAncestorOrSelf reports whether id is this account or one of its ancestors
// (Kazoo's "in hierarchy(id, this)").
func (r AccountRef) HasAncestorOrSelf(id string) bool {
	if id == "" || r.Path == "" {
		return false
	}
	p := r.Path
	for p != "" {
		seg := p
		if i := strings.IndexByte(p, '/'); i >= 0 {
			seg, p = p[:i], p[i+1:]
		} else {
			p = ""
		}
		if seg == id {
			return true
		}
	}
	return false
}

// Actor is the authenticated caller of a request.
type Actor struct {
	Account        AccountRef
	AllowAdditions bool
	Reseller       bool
	Name           string
}

// IsAdmin reports a superduper admin caller.
func (a *Actor) IsAdmin() bool { return a != nil && a.Account.Admin }

// CanAccessAccount is Crossbar's generic account check (cb_simple_authz): the
// caller may act on its own account and its descendants; a superduper admin on
// every account.
func (a *Actor) CanAccessAccount(target AccountRef) bool {
	if a == nil || target.IsZero() {
		return false
	}
	return a.IsAdmin() || target.HasAncestorOrSelf(a.Account.ID)
}

// IsAccountID reports whether s looks like an account id (32 lowercase hex).
func IsAccountID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
