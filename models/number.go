package models

import (
	"sort"
	"time"
)

// Carrier module names, without Kazoo's "knm_" prefix.
const (
	CarrierLocal     = "local"
	CarrierInventory = "inventory"
	CarrierOther     = "other"
	CarrierMDN       = "mdn"
	CarrierManaged   = "managed"
	CarrierReserved  = "reserved"
	// CarrierReservedReseller is the carrier of numbers reserved by the
	// searching account's reseller.
	CarrierReservedReseller = "reserved_reseller"
)

// KnownCarriers is Kazoo's fixed module list (knm_carriers:all_modules/0)
// without the "knm_" prefix: the names carrier_name may rename a number to.
var KnownCarriers = []string{
	"bandwidth", "bandwidth2", "didww", "flowroute", "inteliquent", "inum", "inventory", "it_vocal",
	"level3", "local", "managed", "mdn", "o1", "other", "peerless", "reserved", "reserved_reseller",
	"simwood", "telnyx", "thinq", "verizon", "vitelity", "voip_innovations", "voxbone", "windstream", "ziron",
}

// IsLocalCarrier reports carriers whose numbers carry the "local" feature and
// are deleted when released (knm_local, knm_mdn).
func IsLocalCarrier(c string) bool { return c == CarrierLocal || c == CarrierMDN }

// Number is one phone number. Its primary key is the E.164 string itself:
// globally unique, the same key as the REST paths, and no reliance on
// AUTO_INCREMENT (which multi-primary clusters do not order).
type Number struct {
	Number string `gorm:"primaryKey;size:20;index:idx_numbers_owner_number,priority:2;index:idx_numbers_state_number,priority:2"`
	State  State  `gorm:"size:16;not null;index:idx_numbers_state_number,priority:1;index:idx_numbers_owner_state,priority:2"`
	// AssignedTo is the owning account id, "" when unowned.
	AssignedTo           string     `gorm:"size:32;not null;default:'';index:idx_numbers_owner_number,priority:1;index:idx_numbers_owner_state,priority:1"`
	PreviouslyAssignedTo string     `gorm:"size:32;not null;default:''"`
	UsedBy               string     `gorm:"size:32;not null;default:''"`
	Carrier              string     `gorm:"size:32;not null"`
	ReserveHistory       StringList `gorm:"type:text"` // most recent first
	Features             Doc        `gorm:"type:text"` // effective (private) features
	FeaturesAllowed      StringList `gorm:"type:text"`
	FeaturesDenied       StringList `gorm:"type:text"`
	Public               Doc        `gorm:"type:mediumtext"` // the user's public fields
	CarrierData          Doc        `gorm:"type:text"`
	PortedIn             bool       `gorm:"not null;default:false"`
	// ExpiresAt is set on discovery rows: when the search result may be
	// forgotten by the sweeper.
	ExpiresAt *time.Time `gorm:"index"`
	// Version counts the writes of this number (across deletions and
	// re-creations too): the sequence of its history events. It is bumped
	// under the row lock, so it orders a number's changes exactly even when
	// several instances write in the same millisecond.
	Version   int64 `gorm:"not null;default:0"`
	CreatedAt time.Time
	UpdatedAt time.Time

	// Owner describes the AssignedTo account for the authorization rules.
	// It is loaded with the number, never stored.
	Owner AccountRef `gorm:"-"`
}

// FeatureNames returns the sorted active feature names (keys of Features).
func (n *Number) FeatureNames() []string {
	names := make([]string, 0, len(n.Features))
	for k := range n.Features {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Assigned reports whether the number has an owner.
func (n *Number) Assigned() bool { return n.AssignedTo != "" }

// Clone returns a deep copy, so a rule can work on a candidate and the caller
// can still compare with the original.
func (n *Number) Clone() *Number {
	c := *n
	c.ReserveHistory = append(StringList(nil), n.ReserveHistory...)
	c.FeaturesAllowed = append(StringList(nil), n.FeaturesAllowed...)
	c.FeaturesDenied = append(StringList(nil), n.FeaturesDenied...)
	c.Features = n.Features.Clone()
	c.Public = n.Public.Clone()
	c.CarrierData = n.CarrierData.Clone()
	if n.ExpiresAt != nil {
		t := *n.ExpiresAt
		c.ExpiresAt = &t
	}
	return &c
}

// NumberEvent is one history row: a change of a number's state or owner,
// written in the same transaction as the change.
type NumberEvent struct {
	// ID is a ULID: unique without coordination and ordered by time, so
	// several writers (and cluster nodes) never collide.
	ID     string `gorm:"primaryKey;size:26"`
	Number string `gorm:"size:20;not null;uniqueIndex:idx_events_number_seq,priority:1"`
	// Seq is the number's Version after this change: a number's history is
	// ordered by Seq.
	Seq          int64     `gorm:"not null;uniqueIndex:idx_events_number_seq,priority:2"`
	Action       string    `gorm:"size:16;not null"`
	FromState    State     `gorm:"size:16;not null;default:''"`
	ToState      State     `gorm:"size:16;not null"`
	FromAccount  string    `gorm:"size:32;not null;default:''"`
	ToAccount    string    `gorm:"size:32;not null;default:''"`
	ActorAccount string    `gorm:"size:32;not null;default:''"`
	RequestID    string    `gorm:"size:64;not null;default:''"`
	CreatedAt    time.Time `gorm:"not null;index"`
}

// Event actions.
const (
	ActionCreate   = "create"
	ActionActivate = "activate"
	ActionReserve  = "reserve"
	ActionPort     = "port"
	ActionRelease  = "release"
	ActionDelete   = "delete"
	ActionExpire   = "expire"
	ActionFix      = "fix"
	ActionDiscover = "discover"
	// ActionImport is a number created by `numberd import`.
	ActionImport = "import"
)

// GregorianOffset is the number of seconds between year 0 and the Unix epoch:
// Kazoo reports times in Gregorian seconds.
const GregorianOffset = 62167219200

// Gregorian converts a time to Kazoo's Gregorian seconds.
func Gregorian(t time.Time) int64 { return t.Unix() + GregorianOffset }

// FromGregorian converts Gregorian seconds to a time (UTC).
func FromGregorian(g int64) time.Time { return time.Unix(g-GregorianOffset, 0).UTC() }
