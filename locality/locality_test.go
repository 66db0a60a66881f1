package locality_test

import (
	"slices"
	"testing"

	"numberd/locality"
)

func TestLocality_Embedded(t *testing.T) {
	b := locality.New()
	ls := b.Locality([]string{"+16502530000", "4158867900", "+442071234567", "1234"})
	if l := ls[0]; l.Status != "success" || l.City != "Mountain View" || l.Region != "CA" || l.RegionName != "California" ||
		l.Country != "US" || !slices.Contains(l.TimeZones, "America/Los_Angeles") {
		t.Errorf("+16502530000: %+v", l)
	}
	if l := ls[1]; l.Status != "success" || l.E164 != "+14158867900" || l.Region != "CA" {
		t.Errorf("4158867900: %+v", l)
	}
	if l := ls[2]; l.Status != "success" || l.City != "London" || l.Country != "GB" || l.NumberType != "FIXED_LINE" {
		t.Errorf("+44: %+v", l)
	}
	if l := ls[3]; l.Status != "error" {
		t.Errorf("1234: %+v", l)
	}
	if b.DialCode("gb") != 44 || b.DialCode("US") != 1 || b.DialCode("ZZ") != 0 {
		t.Error("dial codes")
	}
}

func TestCityPrefixes_MountainView(t *testing.T) {
	b := locality.New()
	got := b.CityPrefixes("mountain   view")
	if len(got) == 0 {
		t.Fatal("no Mountain View")
	}
	var ca bool
	for _, c := range got {
		if c.Locality == "Mountain View, CA" {
			ca = true
			if !slices.Contains(c.Prefixes, "650960") {
				t.Errorf("prefixes %v", c.Prefixes)
			}
			for _, p := range c.Prefixes {
				if p[:3] != "650" && p[:3] != "408" && p[:3] != "669" {
					t.Logf("prefix outside 650/408/669: %s", p)
				}
			}
		}
	}
	if !ca {
		t.Fatalf("no Mountain View, CA in %+v", got)
	}
	if one := b.CityPrefixes("Mountain View, CA"); len(one) != 1 {
		t.Errorf("exact: %+v", one)
	}
	if none := b.CityPrefixes("Nowhere Special"); len(none) != 0 {
		t.Errorf("none: %+v", none)
	}
	took, heap, places, prefixes := b.IndexStats()
	t.Logf("city index: built in %v, +%d KiB heap, %d places, %d prefixes", took, heap/1024, places, prefixes)
}
