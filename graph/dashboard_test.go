package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"numberd/internal/apitest"
	"numberd/service"
)

// e911Input is a valid E911 address.
var e911Input = map[string]any{"streetAddress": "140 New Montgomery St", "locality": "San Francisco", "region": "CA", "postalCode": "94105"}

// withLocalFeatures lets local numbers carry external features (e911).
func withLocalFeatures(c *service.Config) { c.Features.LocalFeatureOverride = true }

// createNumbers adds numbers to account as the master, one batch per call
// (a batch shares one creation time: ties for the time orders).
func createNumbers(t *testing.T, e *apitest.Env, account string, nums []string, extra map[string]any) {
	t.Helper()
	in := map[string]any{"accountId": account, "numbers": nums}
	for k, v := range extra {
		in[k] = v
	}
	r := e.Client(e.Master.Token).GraphQL(`mutation($in: CreatePhoneNumbersInput!) {
		createPhoneNumbers(input: $in) { results { number userErrors { code message } } userErrors { code message } }
	}`, map[string]any{"in": in})
	d := r.GQLData(t)["createPhoneNumbers"].(map[string]any)
	if ue := d["userErrors"].([]any); len(ue) > 0 {
		t.Fatalf("createPhoneNumbers: %v", ue)
	}
	for _, res := range d["results"].([]any) {
		if ue := res.(map[string]any)["userErrors"].([]any); len(ue) > 0 {
			t.Fatalf("createPhoneNumbers %v: %v", res.(map[string]any)["number"], ue)
		}
	}
}

// page is a decoded PhoneNumberConnection.
type page struct {
	TotalCount int `json:"totalCount"`
	Edges      []struct {
		Cursor string `json:"cursor"`
		Node   struct {
			Number         string `json:"number"`
			State          string `json:"state"`
			Classification string `json:"classification"`
		} `json:"node"`
	} `json:"edges"`
	PageInfo struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
}

func (p page) numbers() []string {
	out := []string{}
	for _, e := range p.Edges {
		out = append(out, e.Node.Number)
	}
	return out
}

const dashboardListQuery = `query($a: ID!, $f: PhoneNumberFilter, $o: PhoneNumberOrder, $first: Int, $after: String, $last: Int, $before: String) {
	phoneNumbers(accountId: $a, filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
		edges { cursor node { number state classification } }
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	}
}`

func list(t *testing.T, c *apitest.Client, vars map[string]any) page {
	t.Helper()
	d := c.GraphQL(dashboardListQuery, vars).GQLData(t)
	var p page
	b, _ := json.Marshal(d["phoneNumbers"])
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPhoneNumbers_Filters(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, withLocalFeatures)
	acme := e.NewAccount(e.Master, "acme", nil)
	createNumbers(t, e, acme.ID, []string{"+14155550101", "+14155550102"}, map[string]any{"e911": e911Input})
	createNumbers(t, e, acme.ID, []string{"+18005550100", "+442071234567"}, nil)
	createNumbers(t, e, acme.ID, []string{"+14165550100"}, map[string]any{"state": "RESERVED"})
	c := e.Client(acme.Token)

	for _, tc := range []struct {
		name   string
		filter map[string]any
		want   []string
	}{
		{"none", nil, []string{"+14155550101", "+14155550102", "+14165550100", "+18005550100", "+442071234567"}},
		{"states", map[string]any{"states": []string{"RESERVED"}}, []string{"+14165550100"}},
		{"prefix", map[string]any{"prefix": "1415"}, []string{"+14155550101", "+14155550102"}},
		{"classification", map[string]any{"classifications": []string{"tollfree_us", "international"}}, []string{"+18005550100", "+442071234567"}},
		{"carrier", map[string]any{"carriers": []string{"local"}}, []string{"+14155550101", "+14155550102", "+14165550100", "+18005550100", "+442071234567"}},
		{"carrier none", map[string]any{"carriers": []string{"bandwidth"}}, []string{}},
		{"feature", map[string]any{"features": []string{"e911"}}, []string{"+14155550101", "+14155550102"}},
		{"hasE911", map[string]any{"hasE911": true}, []string{"+14155550101", "+14155550102"}},
		{"no E911", map[string]any{"hasE911": false, "states": []string{"IN_SERVICE"}}, []string{"+18005550100", "+442071234567"}},
		{"created range", map[string]any{"createdFrom": "2000-01-01T00:00:00Z", "createdTo": "2100-01-01T00:00:00Z", "prefix": "+1800"}, []string{"+18005550100"}},
		{"created in the future", map[string]any{"createdFrom": "2100-01-01T00:00:00Z"}, []string{}},
		{"updated range", map[string]any{"updatedTo": "2000-01-01T00:00:00Z"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{"a": acme.ID, "first": 2}
			if tc.filter != nil {
				vars["f"] = tc.filter
			}
			// Page through two at a time: Go-evaluated filters keep pages full.
			var got []string
			for i := 0; ; i++ {
				p := list(t, c, vars)
				got = append(got, p.numbers()...)
				if len(p.Edges) > 2 || (p.PageInfo.HasNextPage && len(p.Edges) != 2) {
					t.Fatalf("page %d: %d edges, hasNextPage %v", i, len(p.Edges), p.PageInfo.HasNextPage)
				}
				if !p.PageInfo.HasNextPage {
					break
				}
				vars["after"] = *p.PageInfo.EndCursor
			}
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			// totalCount agrees with the listing, Go filters included.
			d := c.GraphQL(`query($a: ID!, $f: PhoneNumberFilter) { phoneNumbers(accountId: $a, filter: $f) { totalCount } }`,
				map[string]any{"a": acme.ID, "f": tc.filter}).GQLData(t)
			if n := d["phoneNumbers"].(map[string]any)["totalCount"]; fmt.Sprint(n) != fmt.Sprint(len(tc.want)) {
				t.Errorf("totalCount %v, want %d", n, len(tc.want))
			}
		})
	}
	p := list(t, c, map[string]any{"a": acme.ID, "f": map[string]any{"prefix": "+44"}})
	if p.Edges[0].Node.Classification != "international" {
		t.Errorf("classification %q", p.Edges[0].Node.Classification)
	}
}

// TestPhoneNumbers_OrderAndCursors pages every order in both directions,
// forward and backward, while rows are added, removed and changed between
// pages: rows that did not change are listed exactly once, in order.
func TestPhoneNumbers_OrderAndCursors(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	acme := e.NewAccount(e.Master, "acme", nil)
	// Three batches: numbers of one batch share their creation time, so
	// the time orders must break ties by number.
	createNumbers(t, e, acme.ID, []string{"+14155550105", "+14155550101", "+14155550103"}, nil)
	time.Sleep(3 * time.Millisecond) // times are stored to the millisecond
	createNumbers(t, e, acme.ID, []string{"+14155550104", "+14155550102"}, nil)
	time.Sleep(3 * time.Millisecond)
	createNumbers(t, e, acme.ID, []string{"+14155550100", "+14155550106"}, nil)
	c := e.Client(acme.Token)

	all := func(field, dir string) []string {
		return list(t, c, map[string]any{"a": acme.ID, "first": 100, "o": map[string]any{"field": field, "direction": dir}}).numbers()
	}
	byCreated := all("CREATED_AT", "ASC")
	want := []string{"+14155550101", "+14155550103", "+14155550105", "+14155550102", "+14155550104", "+14155550100", "+14155550106"}
	if !slices.Equal(byCreated, want) {
		t.Fatalf("CREATED_AT ASC: %v, want %v", byCreated, want)
	}
	desc := all("CREATED_AT", "DESC")
	if !slices.Equal(desc, reversed(want)) {
		t.Fatalf("CREATED_AT DESC: %v", desc)
	}
	if got := all("NUMBER", "DESC"); !slices.Equal(got, reversed(sorted(want))) {
		t.Fatalf("NUMBER DESC: %v", got)
	}

	for _, field := range []string{"NUMBER", "CREATED_AT", "UPDATED_AT"} {
		for _, dir := range []string{"ASC", "DESC"} {
			t.Run(field+"_"+dir, func(t *testing.T) {
				order := map[string]any{"field": field, "direction": dir}
				full := all(field, dir)
				// Forward, 3 per page.
				var got []string
				vars := map[string]any{"a": acme.ID, "first": 3, "o": order}
				for {
					p := list(t, c, vars)
					got = append(got, p.numbers()...)
					if !p.PageInfo.HasNextPage {
						break
					}
					vars["after"] = *p.PageInfo.EndCursor
				}
				if !slices.Equal(got, full) {
					t.Errorf("forward: %v, want %v", got, full)
				}
				// Backward with last/before, 2 per page.
				got = nil
				vars = map[string]any{"a": acme.ID, "last": 2, "o": order}
				for {
					p := list(t, c, vars)
					got = append(p.numbers(), got...)
					if !p.PageInfo.HasPreviousPage {
						break
					}
					vars["before"] = *p.PageInfo.StartCursor
				}
				if !slices.Equal(got, full) {
					t.Errorf("backward: %v, want %v", got, full)
				}
			})
		}
	}

	t.Run("stable while rows change", func(t *testing.T) {
		order := map[string]any{"field": "CREATED_AT", "direction": "ASC"}
		p1 := list(t, c, map[string]any{"a": acme.ID, "first": 3, "o": order})
		// Between pages: delete a listed row and the row right after the
		// cursor, add a row at each end.
		for _, n := range []string{"+14155550101", "+14155550102"} {
			r := e.Client(e.Master.Token).GraphQL(`mutation($a: ID!, $n: String!) { releasePhoneNumber(input: {accountId: $a, number: $n, hard: true}) { userErrors { code } } }`,
				map[string]any{"a": acme.ID, "n": n})
			r.GQLData(t)
		}
		time.Sleep(3 * time.Millisecond)
		createNumbers(t, e, acme.ID, []string{"+14155550099", "+14155550199"}, nil)
		p2 := list(t, c, map[string]any{"a": acme.ID, "first": 100, "o": order, "after": *p1.PageInfo.EndCursor})
		wantRest := []string{"+14155550104", "+14155550100", "+14155550106", "+14155550099", "+14155550199"}
		if !slices.Equal(p2.numbers(), wantRest) {
			t.Errorf("after the first page: %v, want %v", p2.numbers(), wantRest)
		}
		if !p2.PageInfo.HasPreviousPage || p2.PageInfo.HasNextPage {
			t.Errorf("pageInfo %+v", p2.PageInfo)
		}
	})

	t.Run("errors", func(t *testing.T) {
		p := list(t, c, map[string]any{"a": acme.ID, "first": 1})
		for name, vars := range map[string]map[string]any{
			"first and last":       {"first": 1, "last": 1},
			"garbage cursor":       {"after": "!!"},
			"cursor of other sort": {"after": *p.PageInfo.EndCursor, "o": map[string]any{"field": "UPDATED_AT"}},
			"negative first":       {"first": -1},
		} {
			vars["a"] = acme.ID
			r := c.GraphQL(dashboardListQuery, vars)
			if codes := r.GQLErrorCodes(); len(codes) != 1 || codes[0] != "VALIDATION" {
				t.Errorf("%s: codes %v: %s", name, codes, r.Raw)
			}
		}
	})
}

func reversed(s []string) []string { out := slices.Clone(s); slices.Reverse(out); return out }

func TestAccounts_MeChildrenStatsNode(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	reseller := e.NewAccount(e.Master, "reseller", map[string]any{"reseller": true})
	alpha := e.NewAccount(reseller, "alpha", nil)
	beta := e.NewAccount(reseller, "beta", nil)
	createNumbers(t, e, reseller.ID, []string{"+14155550100"}, nil)
	createNumbers(t, e, alpha.ID, []string{"+14155550101", "+14155550102"}, nil)
	createNumbers(t, e, alpha.ID, []string{"+14155550103"}, map[string]any{"state": "RESERVED"})
	createNumbers(t, e, beta.ID, []string{"+14155550104"}, map[string]any{"state": "PORT_IN"})

	c := e.Client(reseller.Token)
	d := c.GraphQL(`{
		me { id name numberStats { total byState { state count } }
			children { name numberStats { total } phoneNumbers(first: 1) { edges { node { number account { name } } } } } }
	}`, nil).GQLData(t)
	b, _ := json.Marshal(d)
	var out struct {
		Me struct {
			ID          string
			Name        string
			NumberStats struct {
				Total   int
				ByState []struct {
					State string
					Count int
				}
			}
			Children []struct {
				Name         string
				NumberStats  struct{ Total int }
				PhoneNumbers page
			}
		}
	}
	json.Unmarshal(b, &out)
	if out.Me.ID != reseller.ID || out.Me.Name != "reseller" || out.Me.NumberStats.Total != 5 {
		t.Fatalf("me: %s", b)
	}
	counts := map[string]int{}
	for _, s := range out.Me.NumberStats.ByState {
		counts[s.State] = s.Count
	}
	if len(out.Me.NumberStats.ByState) != 9 || counts["IN_SERVICE"] != 3 || counts["RESERVED"] != 1 || counts["PORT_IN"] != 1 || counts["AVAILABLE"] != 0 {
		t.Errorf("byState %+v", out.Me.NumberStats.ByState)
	}
	kids := out.Me.Children
	if len(kids) != 2 || kids[0].Name != "alpha" || kids[0].NumberStats.Total != 3 || kids[1].Name != "beta" || kids[1].NumberStats.Total != 1 {
		t.Fatalf("children %+v", kids)
	}
	if n := kids[0].PhoneNumbers.numbers(); !slices.Equal(n, []string{"+14155550101"}) {
		t.Errorf("alpha's first number %v", n)
	}

	// node(id:) tells accounts and numbers apart by the id's form.
	d = c.GraphQL(`query($a: ID!, $n: ID!) {
		a: node(id: $a) { id ... on Account { name } }
		n: node(id: $n) { id ... on PhoneNumber { number state } }
		account(id: $a) { parent { name } }
	}`, map[string]any{"a": alpha.ID, "n": "+14155550103"}).GQLData(t)
	b, _ = json.Marshal(d)
	want := fmt.Sprintf(`{"a":{"id":%q,"name":"alpha"},"account":{"parent":{"name":"reseller"}},"n":{"id":"+14155550103","number":"+14155550103","state":"RESERVED"}}`, alpha.ID)
	if string(b) != want {
		t.Errorf("node:\n got %s\nwant %s", b, want)
	}

	// A customer sees neither its parent nor its sibling.
	r := e.Client(alpha.Token).GraphQL(`query($b: ID!) { me { parent { id } } account(id: $b) { id } }`, map[string]any{"b": beta.ID})
	if codes := r.GQLErrorCodes(); len(codes) != 1 || codes[0] != "FORBIDDEN" {
		t.Errorf("sibling: %v %s", codes, r.Raw)
	}
	if me, _ := r.Body["data"].(map[string]any); me != nil {
		if p := me["me"]; p != nil && p.(map[string]any)["parent"] != nil {
			t.Errorf("parent leaked: %s", r.Raw)
		}
	}
}
