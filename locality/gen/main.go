// Command gen writes locality/cityindex.tsv.gz: for every NANP NPA-NXX block
// (NPA and NXX 200–999) whose libphonenumber geocoding names a city
// ("Mountain View, CA"), one line per place:
//
//	<geocoding name> TAB <region code> TAB <prefix>,<prefix>,...
//
// sorted by name. Asking the geocoder 640,000 questions takes seconds, so it
// is done here, at `go generate` time, rather than in the server; make
// check-generated proves the file matches the phonenumbers version in go.mod.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

func main() {
	out := "cityindex.tsv.gz"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	type place struct {
		country  string
		prefixes []string
	}
	places := map[string]*place{}
	num := &phonenumbers.PhoneNumber{}
	cc := int32(1)
	for npa := 200; npa <= 999; npa++ {
		if npa%100 == 11 { // N11 service codes are not area codes
			continue
		}
		for nxx := 200; nxx <= 999; nxx++ {
			nn := uint64(npa)*10_000_000 + uint64(nxx)*10_000
			num.CountryCode, num.NationalNumber = &cc, &nn
			desc, err := phonenumbers.GetGeocodingForNumber(num, "en")
			if err != nil || !strings.Contains(desc, ", ") {
				continue // state, province or country level: not a city
			}
			p := places[desc]
			if p == nil {
				p = &place{country: phonenumbers.GetRegionCodeForNumber(num)}
				places[desc] = p
			}
			p.prefixes = append(p.prefixes, strconv.Itoa(npa)+strconv.Itoa(nxx))
		}
	}
	names := make([]string, 0, len(places))
	for n := range places {
		names = append(names, n)
	}
	sort.Strings(names)
	var raw bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&raw, "%s\t%s\t%s\n", n, places[n].country, strings.Join(places[n].prefixes, ","))
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(raw.Bytes())
	w.Close()
	if err := os.WriteFile(out, gz.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
