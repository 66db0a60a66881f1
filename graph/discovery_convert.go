package graph

import (
	"sort"
	"strconv"

	"numberd/graph/model"
	"numberd/models"
	"numberd/service"
)

// Conversions of the discovery and number-intelligence results.

func classifierOf(c *models.Classifier) *model.Classifier {
	if c == nil {
		return nil
	}
	return &model.Classifier{Name: c.Name, Regex: c.Regex, FriendlyName: c.FriendlyName, PrettyPrint: optString(c.PrettyPrint), Emergency: c.Emergency}
}

func localityOf(l models.Locality) *model.Locality {
	out := &model.Locality{
		Number: l.Number, E164: l.E164, Status: l.Status, Country: optString(l.Country), City: optString(l.City),
		Region: optString(l.Region), RegionName: optString(l.RegionName), Description: optString(l.Description),
		NumberType: optString(l.NumberType), Carrier: optString(l.Carrier), TimeZones: append([]string{}, l.TimeZones...),
	}
	if l.Raw != nil {
		out.Upstream = &model.JSON{V: l.Raw}
	}
	return out
}

func discoveredOf(res []service.SearchResult) []*model.DiscoveredNumber {
	out := make([]*model.DiscoveredNumber, len(res))
	for i, f := range res {
		out[i] = &model.DiscoveredNumber{Number: f.Number, State: f.State, CarrierModule: f.Carrier,
			Classification: classifierOf(f.Classifier), Locality: localityOf(f.Locality)}
	}
	return out
}

func cityPrefixesOf(typed []models.CityPrefixes, raw any) *model.PrefixesForCityResult {
	out := &model.PrefixesForCityResult{Cities: make([]*model.CityPrefixes, len(typed))}
	for i, c := range typed {
		out.Cities[i] = &model.CityPrefixes{Locality: c.Locality, City: c.City, Region: optString(c.Region),
			Country: optString(c.Country), Prefixes: append([]string{}, c.Prefixes...)}
	}
	if raw != nil {
		out.Upstream = &model.JSON{V: raw}
	}
	return out
}

func checksOf(m map[string]string) []*model.NumberCheck {
	out := make([]*model.NumberCheck, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, &model.NumberCheck{Number: k, Status: m[k]})
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// fixPayload builds fixPhoneNumbers' answer.
func fixPayload(n *models.Number, count int, err error) (*model.FixPhoneNumbersPayload, error) {
	ue, ok := userErrors(err)
	if !ok {
		return nil, err
	}
	if err != nil {
		return &model.FixPhoneNumbersPayload{UserErrors: ue}, nil
	}
	return &model.FixPhoneNumbersPayload{FixedCount: count, PhoneNumber: n, UserErrors: ue}, nil
}
