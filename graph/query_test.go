package graph_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"numberd/internal/apitest"
	"numberd/models"
)

const phoneNumberQuery = `query($n: String!) { phoneNumber(number: $n) { ...PN } }` + pnFragment

// bigInt does not fit an int64 nor a float64 mantissa: it survives only if
// every layer keeps JSON numbers as text.
const bigInt = "123456789012345678901234567890"

// richPublic is a full set of public fields. carrier_name (admin only)
// moves the number off the local carrier, so cnam and e911 are allowed.
func richPublic() models.Doc {
	return models.Doc{
		"carrier_name": "knm_other",
		"cnam":         map[string]any{"display_name": "Alpha Inc", "inbound_lookup": true},
		"e911": map[string]any{
			"street_address": "140 New Montgomery St", "extended_address": "Floor 3", "locality": "San Francisco",
			"region": "CA", "postal_code": "94105", "plus_four": "1234", "caller_name": "Alpha Inc",
			"notification_contact_emails": []any{"noc@alpha.example"},
			"legacy_data":                 map[string]any{"house_number": "140"},
		},
		"porting": map[string]any{
			"port_id": "p-1", "service_provider": "Old Telco", "billing_name": "Alpha Inc",
			"billing_account_id": "acc-9", "billing_street_address": "1 Main St", "billing_extended_address": "Suite 2",
			"billing_locality": "Oakland", "billing_region": "CA", "billing_postal_code": "94607",
			"billing_telephone_number": "+14155550000", "requested_port_date": "2026-12-01",
			"customer_contact": "+14155550001", "comments": []any{"first", "second"},
		},
		"custom": map[string]any{"nested": []any{"x", true}},
		"big":    json.Number(bigInt),
	}
}

func TestQuery_PhoneNumber(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	const num = "+14155550100"
	n := seed(t, e, ts.alpha, num, "", richPublic())

	t.Run("AllFields", func(t *testing.T) {
		var resp struct {
			PhoneNumber *phoneNumber `json:"phoneNumber"`
		}
		// Any form numberd understands names the same number.
		mustPost(t, gql(e, ts.alpha.Token), phoneNumberQuery, &resp, client.Var("n", "(415) 555-0100"))
		got := resp.PhoneNumber
		if got == nil {
			t.Fatal("phoneNumber is null")
		}
		if got.ID != num || got.Number != num || got.State != "IN_SERVICE" || got.CarrierModule != "other" {
			t.Errorf("id/number/state/carrier = %s/%s/%s/%s", got.ID, got.Number, got.State, got.CarrierModule)
		}
		if got.Account == nil || *got.Account != (accountRef{ID: ts.alpha.ID, Name: "alpha"}) {
			t.Errorf("account = %+v, want alpha", got.Account)
		}
		if want := []string{"e911", "inbound_cnam", "outbound_cnam"}; !slices.Equal(got.Features, want) {
			t.Errorf("features = %v, want %v", got.Features, want)
		}
		want := e.Svc.AvailableFeatures(actorCtx(t, e, ts.alpha.Token), n)
		if !slices.Equal(got.AvailableFeatures, want) || !slices.Contains(want, "cnam") || slices.Contains(want, "carrier_name") {
			t.Errorf("availableFeatures = %v, want %v (cnam, no carrier_name)", got.AvailableFeatures, want)
		}
		if got.Cnam == nil || got.Cnam.DisplayName == nil || *got.Cnam.DisplayName != "Alpha Inc" ||
			got.Cnam.InboundLookup == nil || !*got.Cnam.InboundLookup {
			t.Errorf("cnam = %+v", got.Cnam)
		}
		wantE911 := &e911{
			StreetAddress: ptr("140 New Montgomery St"), ExtendedAddress: ptr("Floor 3"), Locality: ptr("San Francisco"),
			Region: ptr("CA"), PostalCode: ptr("94105"), PlusFour: ptr("1234"), CallerName: ptr("Alpha Inc"),
			NotificationContactEmails: []string{"noc@alpha.example"}, LegacyData: map[string]any{"house_number": "140"},
		}
		if !reflect.DeepEqual(got.E911, wantE911) {
			t.Errorf("e911 = %+v\nwant %+v", deref(got.E911), deref(wantE911))
		}
		wantPorting := &porting{
			PortID: ptr("p-1"), ServiceProvider: ptr("Old Telco"), BillingName: ptr("Alpha Inc"),
			BillingAccountID: ptr("acc-9"), BillingStreetAddress: ptr("1 Main St"), BillingExtendedAddress: ptr("Suite 2"),
			BillingLocality: ptr("Oakland"), BillingRegion: ptr("CA"), BillingPostalCode: ptr("94607"),
			BillingTelephoneNumber: ptr("+14155550000"), RequestedPortDate: ptr("2026-12-01"),
			CustomerContact: ptr("+14155550001"), Comments: []string{"first", "second"},
		}
		if !reflect.DeepEqual(got.Porting, wantPorting) {
			t.Errorf("porting = %+v\nwant %+v", deref(got.Porting), deref(wantPorting))
		}
		if got.ReserveHistory == nil || len(got.ReserveHistory) != 0 || got.UsedBy != nil {
			t.Errorf("reserveHistory = %#v, usedBy = %v; want [] and null", got.ReserveHistory, got.UsedBy)
		}
		for name, tt := range map[string]struct {
			got  string
			want time.Time
		}{"createdAt": {got.CreatedAt, n.CreatedAt}, "updatedAt": {got.UpdatedAt, n.UpdatedAt}} {
			parsed, err := time.Parse(time.RFC3339Nano, tt.got)
			if err != nil || !parsed.Equal(tt.want) {
				t.Errorf("%s = %q (%v), want %v", name, tt.got, err, tt.want)
			}
		}
		wantKeys := []string{"big", "cnam", "custom", "e911", "porting"} // carrier_name became carrierModule
		if k := apitest.Keys(got.PublicFields); !slices.Equal(k, wantKeys) {
			t.Errorf("publicFields keys = %v, want %v", k, wantKeys)
		}
	})

	t.Run("BigIntegerKeptExact", func(t *testing.T) {
		r := rawPost(t, e.Handler, map[string]string{"X-Auth-Token": ts.alpha.Token},
			`query($n: String!) { phoneNumber(number: $n) { publicFields } }`, map[string]any{"n": num})
		if r.Status != 200 || len(r.Errors) != 0 {
			t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
		}
		pf := r.Data["phoneNumber"].(map[string]any)["publicFields"].(map[string]any)
		if got, ok := pf["big"].(json.Number); !ok || got.String() != bigInt {
			t.Fatalf("publicFields.big = %#v, want the number %s", pf["big"], bigInt)
		}
	})

	t.Run("ReservedNumberHistory", func(t *testing.T) {
		seed(t, e, ts.alpha, "+14155550109", models.StateReserved, nil)
		var resp struct {
			PhoneNumber *phoneNumber `json:"phoneNumber"`
		}
		mustPost(t, gql(e, ts.alpha.Token), phoneNumberQuery, &resp, client.Var("n", "+14155550109"))
		if got := resp.PhoneNumber; got == nil || got.State != "RESERVED" || !slices.Equal(got.ReserveHistory, []string{ts.alpha.ID}) ||
			!slices.Equal(got.Features, []string{"local"}) || got.CarrierModule != "local" {
			t.Fatalf("reserved number = %+v", got)
		}
	})

	t.Run("AvailableIsOpenToAll", func(t *testing.T) {
		seed(t, e, ts.alpha, "+14155550108", models.StateAvailable, nil)
		var resp struct {
			PhoneNumber *phoneNumber `json:"phoneNumber"`
		}
		mustPost(t, gql(e, ts.beta.Token), phoneNumberQuery, &resp, client.Var("n", "+14155550108"))
		if got := resp.PhoneNumber; got == nil || got.State != "AVAILABLE" || got.Account != nil {
			t.Fatalf("available number = %+v, want AVAILABLE without account", got)
		}
	})

	for _, tc := range []struct {
		name, token, number, code string
	}{
		{"OtherTenantIsNotFound", ts.beta.Token, num, "NOT_FOUND"},
		{"MissingIsNotFound", ts.alpha.Token, "+14155550199", "NOT_FOUND"},
		{"MissingIsNotFoundForAdmin", e.Master.Token, "+14155550199", "NOT_FOUND"},
		{"NotReconcilable", ts.alpha.Token, "911", "NOT_RECONCILABLE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rawPost(t, e.Handler, map[string]string{"X-Auth-Token": tc.token}, phoneNumberQuery, map[string]any{"n": tc.number})
			if r.Status != 200 {
				t.Fatalf("status %d", r.Status)
			}
			if v, ok := r.Data["phoneNumber"]; !ok || v != nil {
				t.Fatalf("data.phoneNumber = %#v, want null", r.Data)
			}
			wantErrorCodes(t, r.Errors, tc.code)
			if p := fmt.Sprint(r.Errors[0].Path); p != "[phoneNumber]" {
				t.Errorf("error path = %s", p)
			}
			b, _ := json.Marshal(r.Errors)
			for _, secret := range []string{ts.alpha.ID, "Alpha Inc"} {
				if strings.Contains(string(b), secret) {
					t.Errorf("error leaks %q: %s", secret, b)
				}
			}
		})
	}
}

const listQuery = `query($a: ID!, $f: PhoneNumberFilter, $first: Int, $after: String) {
  phoneNumbers(accountId: $a, filter: $f, first: $first, after: $after) {
    edges { cursor node { number state account { id } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}`

type connection struct {
	Edges []struct {
		Cursor string `json:"cursor"`
		Node   struct {
			Number  string      `json:"number"`
			State   string      `json:"state"`
			Account *accountRef `json:"account"`
		} `json:"node"`
	} `json:"edges"`
	PageInfo struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
	TotalCount int `json:"totalCount"`
}

func (c connection) numbers() []string {
	out := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node.Number
	}
	return out
}

func listPage(t testing.TB, c *client.Client, account string, filter map[string]any, first *int, after *string) (connection, []gqlError) {
	t.Helper()
	var resp struct {
		PhoneNumbers *connection `json:"phoneNumbers"`
	}
	opts := []client.Option{client.Var("a", account)}
	if filter != nil {
		opts = append(opts, client.Var("f", filter))
	}
	if first != nil {
		opts = append(opts, client.Var("first", *first))
	}
	if after != nil {
		opts = append(opts, client.Var("after", *after))
	}
	errs := post(t, c, listQuery, &resp, opts...)
	if resp.PhoneNumbers == nil {
		return connection{}, errs
	}
	return *resp.PhoneNumbers, errs
}

func TestQuery_PhoneNumbers(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	// 11 in-service numbers in two area codes, created out of order, plus
	// reserved and port_in ones, and one of beta's that must never show.
	var inService []string
	for _, s := range []string{"+16505550104", "+14155550107", "+16505550101", "+14155550101", "+14155550103",
		"+16505550102", "+14155550102", "+14155550105", "+16505550103", "+14155550104", "+14155550106"} {
		seed(t, e, ts.alpha, s, "", nil)
		inService = append(inService, s)
	}
	seed(t, e, ts.alpha, "+14155550120", models.StateReserved, nil)
	seed(t, e, ts.alpha, "+16505550120", models.StatePortIn, nil)
	seed(t, e, ts.beta, "+14155550130", "", nil)
	all := append(append([]string{}, inService...), "+14155550120", "+16505550120")
	slices.Sort(all)
	c := gql(e, ts.alpha.Token)

	t.Run("WalkAllPages", func(t *testing.T) {
		for _, size := range []int{1, 3, 5, 13, 100} {
			var seen []string
			var after *string
			for pages := 0; ; pages++ {
				if pages > len(all) {
					t.Fatalf("first=%d: too many pages", size)
				}
				page, errs := listPage(t, c, ts.alpha.ID, nil, &size, after)
				if errs != nil {
					t.Fatalf("first=%d: %+v", size, errs)
				}
				if page.TotalCount != len(all) {
					t.Errorf("first=%d: totalCount = %d, want %d", size, page.TotalCount, len(all))
				}
				if page.PageInfo.HasPreviousPage != (after != nil) {
					t.Errorf("first=%d: hasPreviousPage = %v on page %d", size, page.PageInfo.HasPreviousPage, pages)
				}
				if len(page.Edges) == 0 || len(page.Edges) > size {
					t.Fatalf("first=%d: page of %d", size, len(page.Edges))
				}
				for _, ed := range page.Edges {
					if ed.Cursor == "" || ed.Node.Account == nil || ed.Node.Account.ID != ts.alpha.ID {
						t.Errorf("edge %+v", ed)
					}
				}
				if *page.PageInfo.StartCursor != page.Edges[0].Cursor || *page.PageInfo.EndCursor != page.Edges[len(page.Edges)-1].Cursor {
					t.Errorf("first=%d: start/end cursors do not match the edges", size)
				}
				seen = append(seen, page.numbers()...)
				if !page.PageInfo.HasNextPage {
					break
				}
				after = page.PageInfo.EndCursor
			}
			if !slices.Equal(seen, all) {
				t.Errorf("first=%d: walked %v\nwant %v", size, seen, all)
			}
		}
	})

	t.Run("DefaultPageSize", func(t *testing.T) {
		page, errs := listPage(t, c, ts.alpha.ID, nil, nil, nil)
		if errs != nil || !slices.Equal(page.numbers(), all) || page.PageInfo.HasNextPage {
			t.Fatalf("got %v (next %v), errors %+v", page.numbers(), page.PageInfo.HasNextPage, errs)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		in415 := slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s[:5] != "+1415" })
		inService415 := slices.DeleteFunc(slices.Clone(in415), func(s string) bool { return s == "+14155550120" })
		for _, tc := range []struct {
			name   string
			filter map[string]any
			want   []string
		}{
			{"StateInService", map[string]any{"states": []string{"IN_SERVICE"}}, sorted(inService)},
			{"StatesReservedPortIn", map[string]any{"states": []string{"RESERVED", "PORT_IN"}}, []string{"+14155550120", "+16505550120"}},
			{"PrefixE164", map[string]any{"prefix": "+1415"}, in415},
			{"PrefixDigits", map[string]any{"prefix": "1415"}, in415},
			{"PrefixAndState", map[string]any{"prefix": "+1415", "states": []string{"IN_SERVICE"}}, inService415},
			{"NoMatch", map[string]any{"prefix": "+44"}, []string{}},
			{"StateAvailable", map[string]any{"states": []string{"AVAILABLE"}}, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var seen []string
				var after *string
				two := 2
				for range 20 {
					page, errs := listPage(t, c, ts.alpha.ID, tc.filter, &two, after)
					if errs != nil {
						t.Fatalf("errors %+v", errs)
					}
					if page.TotalCount != len(tc.want) {
						t.Errorf("totalCount = %d, want %d", page.TotalCount, len(tc.want))
					}
					seen = append(seen, page.numbers()...)
					if !page.PageInfo.HasNextPage {
						if len(page.Edges) == 0 && (page.PageInfo.StartCursor != nil || page.PageInfo.EndCursor != nil) {
							t.Errorf("empty page has cursors %+v", page.PageInfo)
						}
						break
					}
					after = page.PageInfo.EndCursor
				}
				if !slices.Equal(seen, tc.want) && !(len(seen) == 0 && len(tc.want) == 0) {
					t.Errorf("got %v, want %v", seen, tc.want)
				}
			})
		}
	})

	// first: 0 is an empty page (the service's Limit 0 means "no limit":
	// it must not leak through as an unbounded listing).
	t.Run("FirstZero", func(t *testing.T) {
		zero := 0
		page, errs := listPage(t, c, ts.alpha.ID, nil, &zero, nil)
		if errs != nil || len(page.Edges) != 0 || page.TotalCount != len(all) || !page.PageInfo.HasNextPage ||
			page.PageInfo.StartCursor != nil || page.PageInfo.EndCursor != nil {
			t.Fatalf("first: 0 gave %d edges, pageInfo %+v, totalCount %d, errors %+v", len(page.Edges), page.PageInfo, page.TotalCount, errs)
		}
		last, _ := listPage(t, c, ts.alpha.ID, nil, ptr(100), nil)
		page, errs = listPage(t, c, ts.alpha.ID, nil, &zero, last.PageInfo.EndCursor)
		if errs != nil || len(page.Edges) != 0 || page.PageInfo.HasNextPage {
			t.Fatalf("first: 0 after the last number gave %d edges, pageInfo %+v, errors %+v", len(page.Edges), page.PageInfo, errs)
		}
	})

	t.Run("FirstAtMaximum", func(t *testing.T) {
		max := 100
		page, errs := listPage(t, c, ts.alpha.ID, nil, &max, nil)
		if errs != nil || len(page.Edges) != len(all) {
			t.Fatalf("first: 100 gave %d edges, errors %+v", len(page.Edges), errs)
		}
	})

	for _, tc := range []struct {
		name   string
		first  *int
		after  *string
		filter map[string]any
	}{
		{"FirstAboveMaximum", ptr(101), nil, nil}, // PAGE_SIZE_LIMIT_EXCEEDED, before execution
		{"FirstNegative", ptr(-1), nil, nil},
		{"CursorNotBase64", nil, ptr("!!not a cursor!!"), nil},
		{"CursorOfAnotherKind", nil, ptr(base64.RawURLEncoding.EncodeToString([]byte("e:01ARZ3NDEKTSV4RRFFQ69G5FAV"))), nil},
		{"BadPrefix", nil, nil, map[string]any{"prefix": "+1-415"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, errs := listPage(t, c, ts.alpha.ID, tc.filter, tc.first, tc.after)
			want := "VALIDATION"
			if tc.name == "FirstAboveMaximum" {
				want = "PAGE_SIZE_LIMIT_EXCEEDED"
			}
			wantErrorCodes(t, errs, want)
			if len(page.Edges) != 0 {
				t.Errorf("data returned with the error: %+v", page)
			}
			if r, _ := errs[0].Extensions["reason"].(string); want == "VALIDATION" && r != "validation" {
				t.Errorf("reason = %q", r)
			}
		})
	}

	t.Run("UnknownAccountAsAdmin", func(t *testing.T) {
		_, errs := listPage(t, gql(e, e.Master.Token), "0123456789abcdef0123456789abcdef", nil, nil, nil)
		wantErrorCodes(t, errs, "NOT_FOUND")
	})
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

const accountQuery = `query($id: ID!) { account(id: $id) {
  id name enabled reseller superduperAdmin allowAdditions
  parent { id name parent { id } }
  tree createdAt updatedAt
} }`

type account struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Enabled         bool   `json:"enabled"`
	Reseller        bool   `json:"reseller"`
	SuperduperAdmin bool   `json:"superduperAdmin"`
	AllowAdditions  bool   `json:"allowAdditions"`
	Parent          *struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Parent *struct {
			ID string `json:"id"`
		} `json:"parent"`
	} `json:"parent"`
	Tree      []string `json:"tree"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
}

func TestQuery_Account(t *testing.T) {
	e := apitest.New(t)
	reseller := e.NewAccount(e.Master, "reseller", map[string]any{"reseller": true})
	customer := e.NewAccount(reseller, "customer", map[string]any{"wnm_allow_additions": true})

	get := func(t *testing.T, token, id string) (*account, []gqlError) {
		t.Helper()
		var resp struct {
			Account *account `json:"account"`
		}
		errs := post(t, gql(e, token), accountQuery, &resp, client.Var("id", id))
		return resp.Account, errs
	}

	t.Run("DescendantWithVisibleParent", func(t *testing.T) {
		a, errs := get(t, reseller.Token, customer.ID)
		if errs != nil || a == nil {
			t.Fatalf("account = %+v, errors %+v", a, errs)
		}
		if a.ID != customer.ID || a.Name != "customer" || !a.Enabled || a.Reseller || a.SuperduperAdmin || !a.AllowAdditions {
			t.Errorf("account = %+v", a)
		}
		// The reseller sees itself as the parent, but not its own parent (the master).
		if a.Parent == nil || a.Parent.ID != reseller.ID || a.Parent.Name != "reseller" || a.Parent.Parent != nil {
			t.Errorf("parent = %+v", a.Parent)
		}
		if !slices.Equal(a.Tree, []string{e.Master.ID, reseller.ID}) {
			t.Errorf("tree = %v, want [master reseller]", a.Tree)
		}
		for _, ts := range []string{a.CreatedAt, a.UpdatedAt} {
			if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
				t.Errorf("time %q: %v", ts, err)
			}
		}
	})

	t.Run("OwnAccountHidesParent", func(t *testing.T) {
		a, errs := get(t, customer.Token, customer.ID)
		if errs != nil || a == nil || a.Parent != nil || len(a.Tree) != 2 {
			t.Fatalf("account = %+v, errors %+v", a, errs)
		}
	})

	t.Run("AdminSeesWholeChain", func(t *testing.T) {
		a, errs := get(t, e.Master.Token, customer.ID)
		if errs != nil || a == nil || a.Parent == nil || a.Parent.Parent == nil || a.Parent.Parent.ID != e.Master.ID {
			t.Fatalf("account = %+v, errors %+v", a, errs)
		}
		m, errs := get(t, e.Master.Token, e.Master.ID)
		if errs != nil || m == nil || !m.SuperduperAdmin || !m.Reseller || m.Parent != nil || len(m.Tree) != 0 || m.Tree == nil {
			t.Fatalf("master = %+v, errors %+v", m, errs)
		}
	})

	for _, tc := range []struct {
		name, token, id, code string
	}{
		{"AncestorIsForbidden", customer.Token, reseller.ID, "FORBIDDEN"},
		{"UnknownIsForbiddenForCustomers", customer.Token, "0123456789abcdef0123456789abcdef", "FORBIDDEN"},
		{"UnknownIsNotFoundForAdmin", e.Master.Token, "0123456789abcdef0123456789abcdef", "NOT_FOUND"},
		{"MalformedIdForAdmin", e.Master.Token, "not-an-id", "NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, errs := get(t, tc.token, tc.id)
			if a != nil {
				t.Errorf("account = %+v, want null", a)
			}
			wantErrorCodes(t, errs, tc.code)
		})
	}
}

const nodeQuery = `query($id: ID!) { node(id: $id) {
  __typename id
  ... on Account { name }
  ... on PhoneNumber { number state account { id } }
} }`

type node struct {
	Typename string      `json:"__typename"`
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	Number   string      `json:"number"`
	State    string      `json:"state"`
	Account  *accountRef `json:"account"`
}

func TestQuery_Node(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	seed(t, e, ts.alpha, "+14155550100", "", nil)

	get := func(t *testing.T, token, id string) (*node, []gqlError) {
		t.Helper()
		var resp struct {
			Node *node `json:"node"`
		}
		errs := post(t, gql(e, token), nodeQuery, &resp, client.Var("id", id))
		return resp.Node, errs
	}

	t.Run("Account", func(t *testing.T) {
		n, errs := get(t, ts.alpha.Token, ts.alpha.ID)
		if errs != nil || n == nil || *n != (node{Typename: "Account", ID: ts.alpha.ID, Name: "alpha"}) {
			t.Fatalf("node = %+v, errors %+v", n, errs)
		}
	})

	t.Run("PhoneNumber", func(t *testing.T) {
		for _, id := range []string{"+14155550100", "4155550100"} {
			n, errs := get(t, ts.alpha.Token, id)
			want := node{Typename: "PhoneNumber", ID: "+14155550100", Number: "+14155550100", State: "IN_SERVICE", Account: &accountRef{ID: ts.alpha.ID}}
			if errs != nil || n == nil || !reflect.DeepEqual(*n, want) {
				t.Fatalf("node(%s) = %+v, errors %+v", id, deref(n), errs)
			}
		}
	})

	for _, tc := range []struct {
		name, token, id, code string
	}{
		{"OtherTenantsNumber", ts.beta.Token, "+14155550100", "NOT_FOUND"},
		{"OtherTenantsAccount", ts.beta.Token, ts.alpha.ID, "FORBIDDEN"},
		{"MissingNumber", ts.alpha.Token, "+14155550199", "NOT_FOUND"},
		{"Garbage", ts.alpha.Token, "hello", "NOT_RECONCILABLE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, errs := get(t, tc.token, tc.id)
			if n != nil {
				t.Errorf("node = %+v, want null", n)
			}
			wantErrorCodes(t, errs, tc.code)
		})
	}
}
