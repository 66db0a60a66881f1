package graph_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"numberd/carriers/phonebook"
	"numberd/carriers/phonebook/phonebooktest"
	"numberd/internal/apitest"
	"numberd/models"
	"numberd/service"
)

type world struct {
	e                            *apitest.Env
	reseller, customer, stranger apitest.Account
}

func newWorld(t *testing.T, svcOpts []service.Option, opts ...apitest.Option) *world {
	t.Helper()
	e := apitest.NewWithService(t, svcOpts, opts...)
	w := &world{e: e}
	w.reseller = e.NewAccount(e.Master, "reseller", map[string]any{"reseller": true})
	w.customer = e.NewAccount(w.reseller, "customer", nil)
	w.stranger = e.NewAccount(e.Master, "stranger", nil)
	admin := e.Client(e.Master.Token)
	put := func(a apitest.Account, num string, data map[string]any) {
		admin.Do("PUT", "/v2/accounts/"+a.ID+"/phone_numbers/"+num, map[string]any{"data": data}).Expect(t, http.StatusCreated)
	}
	put(w.reseller, "%2B14155550100", map[string]any{"create_with_state": "available"})
	put(w.reseller, "%2B14155550150", map[string]any{"create_with_state": "reserved"})
	put(w.customer, "%2B14155550300", map[string]any{})
	put(w.stranger, "%2B14155550400", map[string]any{})
	return w
}

// gql runs a query as acct and returns its data (failing on errors).
func (w *world) gql(t *testing.T, acct apitest.Account, q string, vars map[string]any) map[string]any {
	t.Helper()
	return w.e.Client(acct.Token).GraphQL(q, vars).Expect(t, 200).GQLData(t)
}

func (w *world) gqlCodes(t *testing.T, acct apitest.Account, q string, vars map[string]any) []string {
	t.Helper()
	return w.e.Client(acct.Token).GraphQL(q, vars).GQLErrorCodes()
}

func TestGraphQL_Classifiers(t *testing.T) {
	w := newWorld(t, nil)
	d := w.gql(t, w.customer, `{ classifiers { name regex friendlyName prettyPrint emergency } classifyNumber(number: "911") { number e164 classifier { name emergency } } }`, nil)
	var names []string
	for _, c := range d["classifiers"].([]any) {
		names = append(names, c.(map[string]any)["name"].(string))
	}
	if !slices.Equal(names, []string{"tollfree_us", "toll_us", "emergency", "caribbean", "did_us", "international", "unknown"}) {
		t.Errorf("order: %v", names)
	}
	cn := d["classifyNumber"].(map[string]any)
	if cn["classifier"].(map[string]any)["name"] != "emergency" || cn["classifier"].(map[string]any)["emergency"] != true || cn["e164"] != "911" {
		t.Errorf("classify: %v", cn)
	}
	p := w.gql(t, w.customer, `{ phoneNumber(number: "+14155550300") { classification } }`, nil)
	if c := p["phoneNumber"].(map[string]any)["classification"]; c != "did_us" {
		t.Errorf("PhoneNumber.classification: %v", c)
	}
	if codes := w.e.Client("").GraphQL(`{ classifiers { name } }`, nil).GQLErrorCodes(); !slices.Equal(codes, []string{"UNAUTHENTICATED"}) {
		t.Errorf("anonymous: %v", codes)
	}
}

const searchQ = `query($a: ID, $p: String!, $q: Int, $o: Int, $c: String, $r: ID) {
  searchPhoneNumbers(accountId: $a, prefix: $p, quantity: $q, offset: $o, country: $c, resellerId: $r) {
    number state carrierModule classification { name } locality { city region timeZones }
  }
}`

func TestGraphQL_Search(t *testing.T) {
	w := newWorld(t, nil)
	d := w.gql(t, w.customer, searchQ, map[string]any{"a": w.customer.ID, "p": "+1415", "q": 10})
	res := d["searchPhoneNumbers"].([]any)
	if len(res) != 2 {
		t.Fatalf("results: %v", res)
	}
	first := res[0].(map[string]any)
	if first["number"] != "+14155550100" || first["state"] != "AVAILABLE" || first["carrierModule"] != "local" ||
		first["classification"].(map[string]any)["name"] != "did_us" || first["locality"].(map[string]any)["city"] != "San Francisco" {
		t.Errorf("first: %v", first)
	}
	if second := res[1].(map[string]any); second["state"] != "RESERVED" {
		t.Errorf("second: %v", second)
	}
	// Same service call as REST: the same validation.
	if codes := w.gqlCodes(t, w.customer, searchQ, map[string]any{"p": "41"}); !slices.Equal(codes, []string{"VALIDATION"}) {
		t.Errorf("validation: %v", codes)
	}
	if codes := w.gqlCodes(t, w.stranger, searchQ, map[string]any{"a": w.customer.ID, "p": "415"}); !slices.Equal(codes, []string{"FORBIDDEN"}) {
		t.Errorf("forbidden: %v", codes)
	}
	if codes := w.gqlCodes(t, w.stranger, searchQ, map[string]any{"p": "415", "r": w.reseller.ID}); !slices.Equal(codes, []string{"NUMBER_SEARCH_RESTRICTED"}) {
		t.Errorf("restricted: %v", codes)
	}
}

func TestGraphQL_SearchUpstreamAndBuy(t *testing.T) {
	f := phonebooktest.New(t, "+14152338397")
	pb, _ := phonebook.New(f.URL, phonebook.Options{Timeout: time.Second})
	w := newWorld(t, []service.Option{service.WithCarrier(pb)}, func(c *service.Config) { c.Carriers = append(c.Carriers, models.CarrierOther) })
	d := w.gql(t, w.customer, searchQ, map[string]any{"a": w.customer.ID, "p": "4152", "q": 5})
	res := d["searchPhoneNumbers"].([]any)
	if len(res) != 1 || res[0].(map[string]any)["state"] != "DISCOVERY" || res[0].(map[string]any)["carrierModule"] != "other" {
		t.Fatalf("upstream search: %v", res)
	}
	d = w.gql(t, w.customer, `mutation($a: ID!) { activatePhoneNumber(input: {accountId: $a, number: "+14152338397"}) { phoneNumber { state } userErrors { code } } }`, map[string]any{"a": w.customer.ID})
	if p := d["activatePhoneNumber"].(map[string]any); p["phoneNumber"].(map[string]any)["state"] != "IN_SERVICE" || len(f.Orders) != 1 {
		t.Errorf("buy: %v %v", p, f.Orders)
	}
}

func TestGraphQL_CheckCarriersLocalityPrefix(t *testing.T) {
	w := newWorld(t, nil)
	d := w.gql(t, w.customer, `query($a: ID!) {
	  checkPhoneNumbers(accountId: $a, numbers: ["4156715576", "+14159383408"]) { number status }
	  carriersInfo(accountId: $a) { maximalPrefixLength usableCarriers usableCreationStates }
	  locality(accountId: $a, numbers: ["+16502530000"]) { number e164 status country city region regionName description numberType timeZones upstream }
	  prefixesForCity(city: "Mountain View, CA") { cities { locality city region country prefixes } upstream }
	}`, map[string]any{"a": w.customer.ID})
	if c := d["checkPhoneNumbers"].([]any); len(c) != 2 || c[0].(map[string]any)["status"] != "error" {
		t.Errorf("check: %v", c)
	}
	ci := d["carriersInfo"].(map[string]any)
	if fmt.Sprint(ci["maximalPrefixLength"]) != "10" || len(ci["usableCreationStates"].([]any)) != 0 || len(ci["usableCarriers"].([]any)) != 24 {
		t.Errorf("carriersInfo: %v", ci)
	}
	l := d["locality"].([]any)[0].(map[string]any)
	if l["city"] != "Mountain View" || l["regionName"] != "California" || l["status"] != "success" || l["upstream"] != nil {
		t.Errorf("locality: %v", l)
	}
	cities := d["prefixesForCity"].(map[string]any)["cities"].([]any)
	if len(cities) != 1 || !slices.Contains(cities[0].(map[string]any)["prefixes"].([]any), any("650960")) {
		t.Errorf("prefixes: %v", cities)
	}
	if codes := w.gqlCodes(t, w.customer, `query($a: ID!) { checkPhoneNumbers(accountId: $a, numbers: []) { number } }`, map[string]any{"a": w.customer.ID}); !slices.Equal(codes, []string{"VALIDATION"}) {
		t.Errorf("check validation: %v", codes)
	}
}

func TestGraphQL_IdentifyAndFix(t *testing.T) {
	w := newWorld(t, nil)
	q := `query($a: ID!, $n: String!) { identifyPhoneNumber(accountId: $a, number: $n) { accountId number } }`
	d := w.gql(t, w.reseller, q, map[string]any{"a": w.reseller.ID, "n": "4155550300"})
	if id := d["identifyPhoneNumber"].(map[string]any); id["accountId"] != w.customer.ID || id["number"] != "+14155550300" {
		t.Errorf("identify: %v", id)
	}
	if codes := w.gqlCodes(t, w.reseller, q, map[string]any{"a": w.reseller.ID, "n": "+14155550400"}); !slices.Equal(codes, []string{"NOT_FOUND"}) {
		t.Errorf("other tenant: %v", codes)
	}
	m := `mutation($a: ID!, $n: String) { fixPhoneNumbers(accountId: $a, number: $n) { fixedCount phoneNumber { number state } userErrors { code } } }`
	d = w.gql(t, w.reseller, m, map[string]any{"a": w.reseller.ID})
	if p := d["fixPhoneNumbers"].(map[string]any); fmt.Sprint(p["fixedCount"]) != "0" || len(p["userErrors"].([]any)) != 0 {
		t.Errorf("fix: %v", p)
	}
	d = w.gql(t, w.reseller, m, map[string]any{"a": w.reseller.ID, "n": "+14155550300"})
	if p := d["fixPhoneNumbers"].(map[string]any); p["phoneNumber"].(map[string]any)["state"] != "IN_SERVICE" {
		t.Errorf("fix one: %v", p)
	}
	d = w.gql(t, w.reseller, m, map[string]any{"a": w.reseller.ID, "n": "+14155550100"})
	if ue := d["fixPhoneNumbers"].(map[string]any)["userErrors"].([]any); len(ue) != 1 || ue[0].(map[string]any)["code"] != "FORBIDDEN" {
		t.Errorf("fix forbidden: %v", ue)
	}
	a := w.gql(t, w.e.Master, `query($a: ID!) { account(id: $a) { carrierModules unauthorizedNumbersLookup } }`, map[string]any{"a": w.reseller.ID})
	if acct := a["account"].(map[string]any); len(acct["carrierModules"].([]any)) != 0 || acct["unauthorizedNumbersLookup"] != false {
		t.Errorf("account: %v", acct)
	}
}
