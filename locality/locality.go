// Package locality answers "where is this number?" offline, from the
// libphonenumber geocoding, carrier and time-zone data embedded in
// github.com/nyaruka/phonenumbers: a number's city, region, type and time
// zones (Kazoo's /locality), the NANP NPA-NXX prefixes of a city (Kazoo's
// /prefix?city=), and country dial codes (search's country parameter).
//
// It is numberd's default phonebook: no network, no configuration. When an
// operator configures an upstream phonebook URL, carriers/phonebook is used
// instead. It imports models and the data library only.
package locality

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"

	"numberd/models"
)

// Book is the embedded phonebook. The zero value is not usable; use New.
// It is safe for concurrent use; the city index is built once, at the
// first prefix-by-city question.
type Book struct {
	once  sync.Once
	index *cityIndex
}

// New returns the embedded phonebook.
func New() *Book { return &Book{} }

// DialCode returns the country calling code of an ISO 3166 alpha-2 region
// ("US" → 1, "GB" → 44), or 0 when the region is unknown.
func (b *Book) DialCode(country string) int {
	return phonenumbers.GetCountryCodeForRegion(strings.ToUpper(strings.TrimSpace(country)))
}

// Locality describes each number (input order kept). A number that cannot
// be parsed gets Status "error".
func (b *Book) Locality(nums []string) []models.Locality {
	out := make([]models.Locality, 0, len(nums))
	for _, raw := range nums {
		out = append(out, lookup(raw))
	}
	return out
}

func lookup(raw string) models.Locality {
	e := models.Normalize(raw)
	l := models.Locality{Number: raw, E164: e, Status: "error"}
	if !strings.HasPrefix(e, "+") {
		return l
	}
	num, err := phonenumbers.Parse(e, "US")
	if err != nil {
		return l
	}
	l.Country = phonenumbers.GetRegionCodeForNumber(num)
	l.NumberType = typeName(phonenumbers.GetNumberType(num))
	if tz, err := phonenumbers.GetTimezonesForNumber(num); err == nil {
		for _, z := range tz {
			if z != "" && z != "Etc/Unknown" {
				l.TimeZones = append(l.TimeZones, z)
			}
		}
	}
	if c, err := phonenumbers.GetCarrierForNumber(num, "en"); err == nil {
		l.Carrier = c
	}
	desc, err := phonenumbers.GetGeocodingForNumber(num, "en")
	if err != nil {
		return l
	}
	l.Description = desc
	nanp := num.GetCountryCode() == 1
	switch city, region, ok := splitLocality(desc); {
	case ok:
		l.City, l.Region = city, region
		if nanp {
			l.RegionName = regionNames[region]
		}
	case nanp:
		// NANP entries without a comma name a state, province or country.
		l.RegionName = desc
		for code, name := range regionNames {
			if name == desc {
				l.Region = code
			}
		}
	default:
		l.City = desc
	}
	if l.RegionName == "" && l.Region == "" && l.City == "" {
		return l
	}
	l.Status = "success"
	return l
}

// splitLocality splits "Mountain View, CA" into its city and region.
func splitLocality(s string) (city, region string, ok bool) {
	i := strings.LastIndex(s, ", ")
	if i <= 0 {
		return "", "", false
	}
	return s[:i], s[i+2:], true
}

func typeName(t phonenumbers.PhoneNumberType) string {
	switch t {
	case phonenumbers.FIXED_LINE:
		return "FIXED_LINE"
	case phonenumbers.MOBILE:
		return "MOBILE"
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return "FIXED_LINE_OR_MOBILE"
	case phonenumbers.TOLL_FREE:
		return "TOLL_FREE"
	case phonenumbers.PREMIUM_RATE:
		return "PREMIUM_RATE"
	case phonenumbers.SHARED_COST:
		return "SHARED_COST"
	case phonenumbers.VOIP:
		return "VOIP"
	case phonenumbers.PERSONAL_NUMBER:
		return "PERSONAL_NUMBER"
	case phonenumbers.PAGER:
		return "PAGER"
	case phonenumbers.UAN:
		return "UAN"
	case phonenumbers.VOICEMAIL:
		return "VOICEMAIL"
	}
	return "UNKNOWN"
}

// CityPrefixes returns the NANP NPA-NXX prefixes whose geocoding names the
// city: "Mountain View" matches every "Mountain View, XX"; "Mountain View,
// CA" only that one. Matching ignores case and extra spaces. No match is an
// empty result, not an error.
func (b *Book) CityPrefixes(city string) []models.CityPrefixes {
	idx := b.cityIndex()
	key := cityKey(city)
	if key == "" {
		return []models.CityPrefixes{}
	}
	var names []string
	if strings.Contains(key, ", ") {
		if _, ok := idx.byName[key]; ok {
			names = append(names, key)
		}
	} else {
		names = idx.byCity[key]
	}
	out := make([]models.CityPrefixes, 0, len(names))
	for _, n := range names {
		e := idx.byName[n]
		out = append(out, models.CityPrefixes{Locality: e.name, City: e.city, Region: e.region, Country: e.country,
			Prefixes: append([]string(nil), e.prefixes...)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Locality < out[j].Locality })
	return out
}

// IndexStats reports what loading the generated city index cost: how long
// it took, the heap it added, how many places and prefixes it holds. It
// loads the index if needed.
func (b *Book) IndexStats() (built time.Duration, heapBytes uint64, places, prefixes int) {
	idx := b.cityIndex()
	return idx.took, idx.heap, len(idx.byName), idx.prefixes
}

type cityEntry struct {
	name, city, region, country string
	prefixes                    []string
}

// cityIndex maps geocoding names back to NPA-NXX prefixes.
type cityIndex struct {
	byName   map[string]*cityEntry // lower-cased "city, region" → entry
	byCity   map[string][]string   // lower-cased city → lower-cased names
	prefixes int
	took     time.Duration
	heap     uint64
}

func cityKey(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, ",", ", ")), " "))
}

func (b *Book) cityIndex() *cityIndex {
	b.once.Do(func() { b.index = loadCityIndex(cityIndexGz) })
	return b.index
}

// cityIndexGz is written by `go generate` (gen/main.go): asking the
// geocoder about all 640,000 NANP NPA-NXX blocks takes seconds, reading its
// answers back takes milliseconds.
//
//go:generate go run ./gen cityindex.tsv.gz
//go:embed cityindex.tsv.gz
var cityIndexGz []byte

// loadCityIndex reads the generated index. A broken file (impossible unless
// the build is corrupt) gives an empty index rather than a crash.
func loadCityIndex(gz []byte) *cityIndex {
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	idx := &cityIndex{byName: map[string]*cityEntry{}, byCity: map[string][]string{}}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return idx
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return idx
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		city, region, ok := splitLocality(f[0])
		if !ok {
			continue
		}
		key := strings.ToLower(f[0])
		e := &cityEntry{name: f[0], city: city, region: region, country: f[1], prefixes: strings.Split(f[2], ",")}
		idx.byName[key] = e
		ck := strings.ToLower(city)
		idx.byCity[ck] = append(idx.byCity[ck], key)
		idx.prefixes += len(e.prefixes)
	}
	idx.took = time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		idx.heap = after.HeapAlloc - before.HeapAlloc
	}
	return idx
}

// regionNames are the NANP state, territory and province codes the
// geocoding data uses, with their names (Kazoo's geocode.locality).
var regionNames = map[string]string{
	"AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
	"CT": "Connecticut", "DE": "Delaware", "DC": "Washington D.C.", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii",
	"ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky",
	"LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
	"MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
	"NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
	"OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
	"SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
	"VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
	"PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands", "AS": "American Samoa", "MP": "Northern Mariana Islands",
	"AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick", "NL": "Newfoundland and Labrador",
	"NS": "Nova Scotia", "NT": "Northwest Territories", "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island",
	"QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}
