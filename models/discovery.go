package models

import (
	"strings"
	"time"
)

// Search and carrier types (kazoo-number-manager.md §4): what a carrier is
// asked and what it answers. The carriers themselves live outside models
// (service for the database-backed ones, carriers/phonebook for HTTP ones);
// they share these types so none of them imports another.

// MaxSearchQuantity is Kazoo's number_manager.maximum_search_quantity.
const MaxSearchQuantity = 500

// DefaultDiscoveryTTL is how long a search result stays buyable
// (Kazoo's tasks.discovery_expiry_d, 1 day).
const DefaultDiscoveryTTL = 24 * time.Hour

// SearchQuery is what every carrier is asked by one search.
type SearchQuery struct {
	// Prefix is the E.164 prefix searched, e.g. "+1415".
	Prefix string
	// Country is the ISO 3166 alpha-2 country of the search (e.g. "US").
	Country string
	// Quantity is how many numbers the carrier should return at most.
	Quantity int
	// Offset skips that many of the carrier's results.
	Offset int
	// Account is the searching account (zero on anonymous searches).
	Account AccountRef
	// Reseller is the account whose carrier configuration applies (zero
	// when unknown).
	Reseller AccountRef
}

// FoundNumber is one search result of one carrier.
type FoundNumber struct {
	Number string
	// State is what the client is shown: discovery (an upstream carrier's
	// number, bought on activation), available (a local or inventory
	// number) or reserved.
	State   State
	Carrier string
	// CarrierData is what the carrier wants back on acquire (Kazoo's
	// pvt_carrier_data).
	CarrierData Doc
}

// CarriersInfo is the answer of carriers_info (kazoo-crossbar-phone-numbers.md §5.10).
type CarriersInfo struct {
	MaximalPrefixLength  int
	UsableCarriers       []string
	UsableCreationStates []State
}

// UsableCarriers is knm_carriers:all_modules() minus the two reserved
// carriers, as carriers_info reports it.
func UsableCarriers() []string {
	out := make([]string, 0, len(KnownCarriers))
	for _, c := range KnownCarriers {
		if c != CarrierReserved && c != CarrierReservedReseller {
			out = append(out, c)
		}
	}
	return out
}

// CleanCarrierName strips Kazoo's knm_/wnm_ module prefixes.
func CleanCarrierName(c string) string {
	return strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(c), "knm_"), "wnm_")
}

// Locality is what numberd knows about where a number is: Kazoo's locality
// shape (kazoo-crossbar-phone-numbers.md §5.6) plus the time zones and the
// number type libphonenumber gives.
type Locality struct {
	// Number is the number as asked; E164 its normalised form.
	Number string
	E164   string
	// Status is "success", or "error" when nothing is known.
	Status string
	// Country is the ISO 3166 alpha-2 region of the number.
	Country string
	// City is the locality (e.g. "Mountain View"); Region its state or
	// province code ("CA"); RegionName the state's name ("California");
	// Description the full geocoding text ("Mountain View, CA").
	City        string
	Region      string
	RegionName  string
	Description string
	// NumberType is libphonenumber's type (FIXED_LINE, MOBILE,
	// FIXED_LINE_OR_MOBILE, TOLL_FREE, ...).
	NumberType string
	// Carrier is the original carrier's name, when known.
	Carrier   string
	TimeZones []string
	// Raw is the upstream phonebook's entry as it answered (nil for
	// embedded data). REST passes it through unchanged.
	Raw map[string]any
}

// CityPrefixes are the NPA-NXX prefixes whose geocoding names one place.
type CityPrefixes struct {
	// Locality is the geocoding text, e.g. "Mountain View, CA".
	Locality string
	City     string
	Region   string
	Country  string
	// Prefixes are national NPA-NXX prefixes ("650254"), sorted.
	Prefixes []string
}
