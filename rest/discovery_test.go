package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"numberd/carriers/phonebook"
	"numberd/carriers/phonebook/phonebooktest"
	"numberd/internal/apitest"
	"numberd/models"
	"numberd/service"
	"numberd/store"
)

// world is a reseller tree with numbers for the discovery tests:
//
//	master → reseller (a reseller) → customer
//	master → stranger
type world struct {
	e                            *apitest.Env
	reseller, customer, stranger apitest.Account
	admin                        *apitest.Client
}

func newWorld(t *testing.T, svcOpts []service.Option, opts ...apitest.Option) *world {
	t.Helper()
	e := apitest.NewWithService(t, svcOpts, opts...)
	w := &world{e: e, admin: e.Client(e.Master.Token)}
	w.reseller = e.NewAccount(e.Master, "reseller", map[string]any{"reseller": true})
	w.customer = e.NewAccount(w.reseller, "customer", nil)
	w.stranger = e.NewAccount(e.Master, "stranger", nil)
	return w
}

func (w *world) pn(a apitest.Account) string { return "/v2/accounts/" + a.ID + "/phone_numbers" }

// create adds a number as the master.
func (w *world) create(t *testing.T, owner apitest.Account, num string, data map[string]any) {
	t.Helper()
	if data == nil {
		data = map[string]any{}
	}
	w.admin.Do("PUT", w.pn(owner)+"/"+url.PathEscape(num), map[string]any{"data": data}).Expect(t, http.StatusCreated)
}

// stock creates the numbers search tests find: local and inventory pool
// numbers, a reservation of the reseller, and a number in service.
func (w *world) stock(t *testing.T) {
	t.Helper()
	w.create(t, w.reseller, "+14155550100", map[string]any{"create_with_state": "available"})
	w.create(t, w.reseller, "+14155550101", map[string]any{"create_with_state": "available"})
	w.create(t, w.reseller, "+14165550100", map[string]any{"create_with_state": "available"})
	w.create(t, w.reseller, "+14155550200", map[string]any{"create_with_state": "available", "carrier_name": "inventory"})
	w.create(t, w.reseller, "+14155550150", map[string]any{"create_with_state": "reserved"})
	w.create(t, w.stranger, "+14155550160", map[string]any{"create_with_state": "reserved"})
	w.create(t, w.customer, "+14155550300", nil)
}

func TestSearch_Account(t *testing.T) {
	w := newWorld(t, nil)
	w.stock(t)
	c := w.e.Client(w.customer.Token)
	r := c.Do("GET", w.pn(w.customer)+"?prefix=415&quantity=10", nil).Expect(t, 200)
	w.e.Golden(t, "search_account", r)
	// An E.164 prefix finds the same (decisions.md 10).
	r2 := c.Do("GET", w.pn(w.customer)+"?prefix=%2B1415&quantity=10", nil).Expect(t, 200)
	if !bytes.Equal(mustJSON(t, r.Data()), mustJSON(t, r2.Data())) {
		t.Errorf("E.164 prefix differs:\n%s\n%s", mustJSON(t, r.Data()), mustJSON(t, r2.Data()))
	}
	// quantity defaults to 1; offset counts items.
	if d := c.Do("GET", w.pn(w.customer)+"?prefix=415", nil).Expect(t, 200).Data().([]any); len(d) != 1 {
		t.Errorf("default quantity: %v", d)
	}
	d := c.Do("GET", w.pn(w.customer)+"?prefix=415&offset=1&quantity=2", nil).Expect(t, 200).Data().([]any)
	if len(d) != 2 || d[0].(map[string]any)["number"] != "+14155550101" || d[1].(map[string]any)["number"] != "+14155550150" {
		t.Errorf("offset: %v", d)
	}
	if d := c.Do("GET", w.pn(w.customer)+"?prefix=415&quantity=0", nil).Expect(t, 200).Data().([]any); len(d) != 1 {
		t.Errorf("quantity 0 → 1: %v", d)
	}
	if d := c.Do("GET", w.pn(w.customer)+"?prefix=212", nil).Expect(t, 200).Data().([]any); len(d) != 0 {
		t.Errorf("no results: %v", d)
	}
	// The stranger does not see the reseller's reservation.
	for _, x := range w.e.Client(w.stranger.Token).Do("GET", w.pn(w.stranger)+"?prefix=415&quantity=50", nil).Expect(t, 200).Data().([]any) {
		if x.(map[string]any)["number"] == "+14155550150" {
			t.Error("stranger sees the reseller's reservation")
		}
	}
	// Someone else's account: the usual account check.
	w.e.Golden(t, "search_forbidden", w.e.Client(w.stranger.Token).Do("GET", w.pn(w.customer)+"?prefix=415", nil).Expect(t, 403))
}

func TestSearch_Validation(t *testing.T) {
	w := newWorld(t, nil)
	c := w.e.Client(w.customer.Token)
	for name, q := range map[string]string{
		"search_prefix_short":   "prefix=41",
		"search_prefix_long":    "prefix=41555501000",
		"search_prefix_letters": "prefix=41a",
		"search_prefix_e164":    "prefix=%2B1",
		"search_country":        "prefix=415&country=USA",
		"search_country_enum":   "prefix=415&country=ZZ",
		"search_quantity":       "prefix=415&quantity=lots",
	} {
		w.e.Golden(t, name, c.Do("GET", w.pn(w.customer)+"?"+q, nil).Expect(t, 400))
	}
	w.e.Golden(t, "search_prefix_missing", c.Do("GET", "/v2/phone_numbers", nil).Expect(t, 400))
	// Other countries take their dial code from libphonenumber's data.
	w.create(t, w.reseller, "+442071234567", map[string]any{"create_with_state": "available"})
	d := c.Do("GET", "/v2/phone_numbers?prefix=207&country=GB", nil).Expect(t, 200).Data().([]any)
	if len(d) != 1 || d[0].(map[string]any)["number"] != "+442071234567" || d[0].(map[string]any)["classification"] != "international" {
		t.Errorf("GB: %v", d)
	}
}

func TestSearch_Anonymous(t *testing.T) {
	w := newWorld(t, nil)
	w.stock(t)
	anon := w.e.Client("")
	// Kazoo 4.3 crashes here (500); numberd answers a clean 401.
	w.e.Golden(t, "search_anonymous_no_reseller", anon.Do("GET", "/v2/phone_numbers?prefix=415", nil).Expect(t, 401))
	w.e.Golden(t, "search_anonymous_restricted", anon.Do("GET", "/v2/phone_numbers?prefix=415&reseller_id="+w.reseller.ID, nil).Expect(t, 404))
	w.e.Golden(t, "search_anonymous_nonexistent", anon.Do("GET", "/v2/phone_numbers?prefix=415&reseller_id=00000000000000000000000000000000", nil).Expect(t, 404))
	// A customer is not a reseller even with the flag.
	w.admin.Do("POST", "/v2/accounts/"+w.customer.ID, map[string]any{"data": map[string]any{"unauthorized_numbers_lookup": true}}).Expect(t, 200)
	anon.Do("GET", "/v2/phone_numbers?prefix=415&reseller_id="+w.customer.ID, nil).Expect(t, 404)
	// Only a superduper admin may open the reseller to anonymous lookups.
	w.e.Client(w.reseller.Token).Do("POST", "/v2/accounts/"+w.reseller.ID, map[string]any{"data": map[string]any{"unauthorized_numbers_lookup": true}}).Expect(t, 403)
	r := w.admin.Do("POST", "/v2/accounts/"+w.reseller.ID, map[string]any{"data": map[string]any{"unauthorized_numbers_lookup": true}}).Expect(t, 200)
	if r.DataMap()["unauthorized_numbers_lookup"] != true || w.admin.Do("GET", "/v2/accounts/"+w.customer.ID, nil).DataMap()["carrier_modules"] != nil {
		t.Fatalf("flag not set: %v", r.DataMap())
	}
	w.e.Golden(t, "search_anonymous_reseller", anon.Do("GET", "/v2/phone_numbers?prefix=415&quantity=3&reseller_id="+w.reseller.ID, nil).Expect(t, 200))
	// With a token and no account: the caller's own account searches.
	d := w.e.Client(w.customer.Token).Do("GET", "/v2/phone_numbers?prefix=415&quantity=50", nil).Expect(t, 200).Data().([]any)
	if len(d) != 4 {
		t.Errorf("token search: %v", d)
	}
	// A bad token on the public route is still a 401.
	w.e.Client("nope").Do("GET", "/v2/phone_numbers?prefix=415&reseller_id="+w.reseller.ID, nil).Expect(t, 401)
}

func TestSearch_PerResellerCarriers(t *testing.T) {
	w := newWorld(t, nil)
	w.stock(t)
	c := w.e.Client(w.customer.Token)
	count := func() int {
		return len(c.Do("GET", w.pn(w.customer)+"?prefix=415&quantity=50", nil).Expect(t, 200).Data().([]any))
	}
	if n := count(); n != 4 { // 3 local/inventory + the reseller's reservation
		t.Fatalf("default carriers: %d", n)
	}
	// The reseller's carrier list replaces the system's: without inventory
	// the inventory number disappears (reserved and local always stay).
	w.admin.Do("POST", "/v2/accounts/"+w.reseller.ID, map[string]any{"data": map[string]any{"carrier_modules": []string{"knm_local"}}}).Expect(t, 200)
	if n := count(); n != 3 {
		t.Fatalf("reseller carriers: %d", n)
	}
	r := w.admin.Do("GET", "/v2/accounts/"+w.reseller.ID, nil).Expect(t, 200)
	if l := r.DataMap()["carrier_modules"].([]any); len(l) != 1 || l[0] != "local" {
		t.Errorf("carrier_modules: %v", l)
	}
	w.e.Golden(t, "account_carrier_modules_invalid", w.admin.Do("POST", "/v2/accounts/"+w.reseller.ID,
		map[string]any{"data": map[string]any{"carrier_modules": []string{"acme"}}}).Expect(t, 400))
}

// upstreamWorld is a world whose numberd has the `other` carrier: the fake
// phonebook sells three 415 numbers.
func upstreamWorld(t *testing.T) (*world, *phonebooktest.Fake) {
	t.Helper()
	f := phonebooktest.New(t, "+14152338397", "+14152338421", "+14155550100")
	f.Delay = 1500 * time.Millisecond
	pb, err := phonebook.New(f.URL, phonebook.Options{Timeout: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, []service.Option{service.WithCarrier(pb), service.WithPhonebook(pb)}, func(c *service.Config) {
		c.Carriers = append(c.Carriers, models.CarrierOther)
		c.CarrierTimeout = 400 * time.Millisecond
	})
	return w, f
}

func TestSearch_UpstreamDiscovery(t *testing.T) {
	w, f := upstreamWorld(t)
	w.stock(t)
	c := w.e.Client(w.customer.Token)
	r := c.Do("GET", w.pn(w.customer)+"?prefix=4152&quantity=5", nil).Expect(t, 200)
	w.e.Golden(t, "search_upstream", r)
	// +14155550100 is also sold upstream but numberd holds it: shown once,
	// as numberd's available number.
	d := c.Do("GET", w.pn(w.customer)+"?prefix=41555501&quantity=5", nil).Expect(t, 200).Data().([]any)
	if len(d) != 3 || d[0].(map[string]any)["state"] != "available" {
		t.Errorf("dedup: %v", d)
	}
	// The discovery rows are in the database (any instance can buy them).
	n, err := w.e.DB.Q().NumberByE164(context.Background(), "+14152338397")
	if err != nil || n.State != models.StateDiscovery || n.ExpiresAt == nil || n.Carrier != "other" {
		t.Fatalf("discovery row: %+v %v", n, err)
	}
	// Activating buys it from the carrier (PUT order) and puts it in service.
	r = c.Do("PUT", w.pn(w.customer)+"/%2B14152338397/activate", nil).Expect(t, 201)
	w.e.Golden(t, "activate_discovered", r)
	if len(f.Orders) != 1 || f.Orders[0] != "+14152338397" {
		t.Errorf("orders: %v", f.Orders)
	}
	n, _ = w.e.DB.Q().NumberByE164(context.Background(), "+14152338397")
	if n.State != models.StateInService || n.AssignedTo != w.customer.ID || n.ExpiresAt != nil || n.CarrierData["opaque"] == nil {
		t.Errorf("bought: %+v", n)
	}
	// A refused order fails that number, which stays a discovery number.
	f.FailOrder("+14152338421")
	w.e.Golden(t, "activate_discovered_refused", c.Do("PUT", w.pn(w.customer)+"/%2B14152338421/activate", nil).Expect(t, 500))
	n, _ = w.e.DB.Q().NumberByE164(context.Background(), "+14152338421")
	if n.State != models.StateDiscovery || n.Assigned() {
		t.Errorf("refused: %+v", n)
	}
	// In a collection, the refused number fails alone.
	w.create(t, w.reseller, "+14155550999", map[string]any{"create_with_state": "available"})
	r = c.Do("PUT", w.pn(w.customer)+"/collection/activate", map[string]any{"data": map[string]any{"numbers": []string{"+14152338421", "+14155550999"}}}).Expect(t, 201)
	if _, ok := r.DataMap()["success"].(map[string]any)["+14155550999"]; !ok {
		t.Errorf("collection: %s", r.Raw)
	}
	if e := r.DataMap()["error"].(map[string]any)["+14152338421"].(map[string]any); e["message"] != "fault by carrier" {
		t.Errorf("collection error: %v", e)
	}
	// Never searched: 404 (Kazoo §10.3.5).
	c.Do("PUT", w.pn(w.customer)+"/%2B14159999999/activate", nil).Expect(t, 404)
}

func TestSearch_UpstreamFailures(t *testing.T) {
	for _, mode := range []string{phonebooktest.Fail, phonebooktest.BadJSON, phonebooktest.Hang} {
		t.Run(mode, func(t *testing.T) {
			w, f := upstreamWorld(t)
			w.stock(t)
			f.SetMode(mode)
			// The failing carrier loses its results; the others answer.
			d := w.e.Client(w.customer.Token).Do("GET", w.pn(w.customer)+"?prefix=415&quantity=50", nil).Expect(t, 200).Data().([]any)
			if len(d) != 4 {
				t.Errorf("results: %v", d)
			}
			if f.Calls("GET /numbers/US/search") != 1 {
				t.Errorf("upstream not asked")
			}
		})
	}
}

// A discovery number found through one numberd instance is bought through
// another one (decisions.md 11): the row is in the shared database.
func TestSearch_ActivateOnAnotherInstance(t *testing.T) {
	w, _ := upstreamWorld(t)
	c := w.e.Client(w.customer.Token)
	c.Do("GET", w.pn(w.customer)+"?prefix=4152&quantity=5", nil).Expect(t, 200)
	f2 := phonebooktest.New(t, "+14152338397")
	pb2, _ := phonebook.New(f2.URL, phonebook.Options{})
	other := service.New(w.e.DB, service.DefaultConfig(), service.WithCarrier(pb2))
	ctx := models.NewContextWithActor(context.Background(), &models.Actor{Account: models.AccountRef{ID: w.customer.ID, Path: w.e.Master.ID + "/" + w.reseller.ID + "/" + w.customer.ID}})
	n, err := other.ActivateNumber(ctx, w.customer.ID, "+14152338397", nil)
	if err != nil || n.State != models.StateInService {
		t.Fatalf("second instance: %+v %v", n, err)
	}
	if len(f2.Orders) != 1 {
		t.Errorf("the second instance's carrier was not asked: %v", f2.Orders)
	}
}

func TestActivate_ExpiredDiscovery(t *testing.T) {
	w, _ := upstreamWorld(t)
	c := w.e.Client(w.customer.Token)
	c.Do("GET", w.pn(w.customer)+"?prefix=4152&quantity=5", nil).Expect(t, 200)
	past := time.Now().UTC().Add(-time.Minute).Truncate(time.Millisecond)
	expireRow(t, w.e.DB, "+14152338397", past)
	c.Do("PUT", w.pn(w.customer)+"/%2B14152338397/activate", nil).Expect(t, 404)
	// Creating over a discovery row replaces it (no 409).
	w.create(t, w.customer, "+14152338421", nil)
}

func expireRow(t *testing.T, db *store.DB, num string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	err := db.Tx(ctx, func(q *store.Q) error {
		rows, err := q.NumbersForUpdate(ctx, []string{num})
		if err != nil {
			return err
		}
		n := rows[num]
		n.ExpiresAt = &at
		return q.ApplyNumberChanges(ctx, store.NumberChanges{Update: []*models.Number{n}})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestClassifiers(t *testing.T) {
	w := newWorld(t, nil)
	c := w.e.Client(w.customer.Token)
	r := c.Do("GET", w.pn(w.customer)+"/classifiers", nil).Expect(t, 200)
	w.e.Golden(t, "classifiers", r)
	// The object's key order is the evaluation order (decisions.md 18).
	order := []string{"tollfree_us", "toll_us", "emergency", "caribbean", "did_us", "international", "unknown"}
	last := -1
	for _, k := range order {
		i := bytes.Index(r.Raw, []byte(`"`+k+`":{`))
		if i < last {
			t.Fatalf("%s out of order in %s", k, r.Raw)
		}
		last = i
	}
	w.e.Golden(t, "classifiers_number", c.Do("GET", w.pn(w.customer)+"/classifiers/4158867900", nil).Expect(t, 200))
	for num, want := range map[string]string{"911": "emergency", "%2B18005551212": "tollfree_us", "8095551234": "caribbean", "1234": "unknown"} {
		if got := c.Do("GET", w.pn(w.customer)+"/classifiers/"+num, nil).Expect(t, 200).DataMap()["name"]; got != want {
			t.Errorf("%s: %v, want %s", num, got, want)
		}
	}
	w.e.Client(w.stranger.Token).Do("GET", w.pn(w.customer)+"/classifiers", nil).Expect(t, 403)
	w.e.Client("").Do("GET", w.pn(w.customer)+"/classifiers", nil).Expect(t, 401)
}

func TestClassifiers_Configured(t *testing.T) {
	list, err := models.ParseClassifiers([]byte(`{"premium":{"regex":"^\\+1900","friendly_name":"Premium"},"rest":"^(.*)$"}`))
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, nil, func(c *service.Config) { c.Classifiers = list })
	c := w.e.Client(w.customer.Token)
	w.e.Golden(t, "classifiers_configured", c.Do("GET", w.pn(w.customer)+"/classifiers", nil).Expect(t, 200))
}

func TestCheck(t *testing.T) {
	w := newWorld(t, nil)
	c := w.e.Client(w.customer.Token)
	// Without an upstream no carrier can check: everything is "error"
	// (Kazoo's check_test_).
	w.e.Golden(t, "check_no_carrier", c.Do("POST", w.pn(w.customer)+"/check", map[string]any{"data": map[string]any{"numbers": []string{"+14159383408", "4156715576", "12ab"}}}).Expect(t, 200))
	w.e.Golden(t, "check_missing", c.Do("POST", w.pn(w.customer)+"/check", map[string]any{"data": map[string]any{}}).Expect(t, 400))
	w.e.Golden(t, "check_empty", c.Do("POST", w.pn(w.customer)+"/check", map[string]any{"data": map[string]any{"numbers": []string{}}}).Expect(t, 400))
	w.e.Golden(t, "check_duplicates", c.Do("POST", w.pn(w.customer)+"/check", map[string]any{"data": map[string]any{"numbers": []string{"4158867900", "+14158867900"}}}).Expect(t, 400))
	w.e.Golden(t, "check_not_list", c.Do("POST", w.pn(w.customer)+"/check", map[string]any{"data": map[string]any{"numbers": "4158867900"}}).Expect(t, 400))
	c.Do("GET", w.pn(w.customer)+"/check", nil).Expect(t, 405)
}

func TestCheck_Upstream(t *testing.T) {
	w, f := upstreamWorld(t)
	c := w.e.Client(w.customer.Token)
	body := map[string]any{"data": map[string]any{"numbers": []string{"+14152338397", "4156715576"}}}
	w.e.Golden(t, "check_upstream", c.Do("POST", w.pn(w.customer)+"/check", body).Expect(t, 200))
	f.SetMode(phonebooktest.Hang)
	d := c.Do("POST", w.pn(w.customer)+"/check", body).Expect(t, 200).DataMap()
	if d["+14152338397"] != "error" {
		t.Errorf("timed-out check: %v", d)
	}
}

func TestLocality(t *testing.T) {
	w := newWorld(t, nil)
	c := w.e.Client(w.customer.Token)
	r := c.Do("POST", w.pn(w.customer)+"/locality", map[string]any{"data": map[string]any{"numbers": []string{"+16502530000", "+442071234567", "1234"}}}).Expect(t, 200)
	w.e.Golden(t, "locality", r)
	w.e.Golden(t, "locality_missing", c.Do("POST", w.pn(w.customer)+"/locality", nil).Expect(t, 400))
	// numbers may also come from the query string (Crossbar's req_value).
	r = c.Do("POST", w.pn(w.customer)+"/locality?numbers=%2B16502530000", nil).Expect(t, 200)
	if _, ok := r.DataMap()["+16502530000"]; !ok {
		t.Errorf("query numbers: %s", r.Raw)
	}
}

func TestLocality_Upstream(t *testing.T) {
	w, f := upstreamWorld(t)
	c := w.e.Client(w.customer.Token)
	body := map[string]any{"data": map[string]any{"numbers": []string{"+14152338397"}}}
	w.e.Golden(t, "locality_upstream", c.Do("POST", w.pn(w.customer)+"/locality", body).Expect(t, 200))
	for _, mode := range []string{phonebooktest.Fail, phonebooktest.BadJSON, phonebooktest.Hang} {
		f.SetMode(mode)
		w.e.Golden(t, "locality_upstream_failed", c.Do("POST", w.pn(w.customer)+"/locality", body).Expect(t, 500))
	}
}

func TestPrefixByCity(t *testing.T) {
	w := newWorld(t, nil)
	anon := w.e.Client("")
	w.e.Golden(t, "prefix_city", anon.Do("GET", "/v2/phone_numbers/prefix?city=Mountain%20View", nil).Expect(t, 200))
	w.e.Golden(t, "prefix_city_missing", anon.Do("GET", "/v2/phone_numbers/prefix", nil).Expect(t, 404))
	d := w.e.Client(w.customer.Token).Do("GET", w.pn(w.customer)+"/prefix?city=mountain+view,+ca", nil).Expect(t, 200).DataMap()
	if len(d) != 1 || d["Mountain View, CA"] == nil {
		t.Errorf("account route: %v", d)
	}
	if d := anon.Do("GET", "/v2/phone_numbers/prefix?city=Atlantis", nil).Expect(t, 200).DataMap(); len(d) != 0 {
		t.Errorf("unknown city: %v", d)
	}
	anon.Do("GET", w.pn(w.customer)+"/prefix?city=Mountain%20View", nil).Expect(t, 401)
}

func TestPrefixByCity_Upstream(t *testing.T) {
	w, f := upstreamWorld(t)
	anon := w.e.Client("")
	w.e.Golden(t, "prefix_upstream", anon.Do("GET", "/v2/phone_numbers/prefix?city=Belvedere", nil).Expect(t, 200))
	w.e.Golden(t, "prefix_upstream_unknown", anon.Do("GET", "/v2/phone_numbers/prefix?city=Atlantis", nil).Expect(t, 500))
	f.SetMode(phonebooktest.Hang)
	w.e.Golden(t, "prefix_upstream_timeout", anon.Do("GET", "/v2/phone_numbers/prefix?city=Belvedere", nil).Expect(t, 500))
	f.SetMode(phonebooktest.BadJSON)
	w.e.Golden(t, "prefix_upstream_badjson", anon.Do("GET", "/v2/phone_numbers/prefix?city=Belvedere", nil).Expect(t, 500))
}

func TestCarriersInfo(t *testing.T) {
	w := newWorld(t, nil)
	w.e.Golden(t, "carriers_info_admin", w.admin.Do("GET", w.pn(w.customer)+"/carriers_info", nil).Expect(t, 200))
	w.e.Golden(t, "carriers_info_customer", w.e.Client(w.customer.Token).Do("GET", w.pn(w.customer)+"/carriers_info", nil).Expect(t, 200))
	w.e.Golden(t, "carriers_info_restricted", w.e.Client(w.stranger.Token).Do("GET", w.pn(w.stranger)+"/carriers_info?reseller_id="+w.reseller.ID, nil).Expect(t, 404))
	w.e.Golden(t, "carriers_info_nonexistent", w.e.Client(w.stranger.Token).Do("GET", w.pn(w.stranger)+"/carriers_info?reseller_id=nope", nil).Expect(t, 404))
	// The gate applies to the caller's own reseller too (Kazoo), unless the
	// caller may act on that account.
	w.e.Client(w.customer.Token).Do("GET", w.pn(w.customer)+"/carriers_info?reseller_id="+w.reseller.ID, nil).Expect(t, 404)
	w.e.Client(w.reseller.Token).Do("GET", w.pn(w.customer)+"/carriers_info?reseller_id="+w.reseller.ID, nil).Expect(t, 200)
	// A reseller carrier with a shorter prefix lowers maximal_prefix_length
	// (Kazoo: 3 with bandwidth2); numberd has no such carrier loaded, so the
	// list keeps only loaded ones.
	w.admin.Do("POST", "/v2/accounts/"+w.reseller.ID, map[string]any{"data": map[string]any{"carrier_modules": []string{"bandwidth2", "local"}}}).Expect(t, 200)
	if d := w.admin.Do("GET", w.pn(w.customer)+"/carriers_info", nil).Expect(t, 200).DataMap(); d["maximal_prefix_length"].(interface{ String() string }).String() != "10" {
		t.Errorf("%v", d)
	}
}

func TestIdentify(t *testing.T) {
	w := newWorld(t, nil)
	w.create(t, w.customer, "+14155550300", nil)
	w.create(t, w.stranger, "+14155550400", nil)
	w.create(t, w.reseller, "+14155550500", map[string]any{"create_with_state": "available"})
	w.create(t, w.customer, "+14155550600", map[string]any{"create_with_state": "aging"})
	rc := w.e.Client(w.reseller.Token)
	// The reseller identifies its customer's number.
	w.e.Golden(t, "identify", rc.Do("GET", w.pn(w.reseller)+"/4155550300/identify", nil).Expect(t, 200))
	// Another tenant's number is not found (decisions.md 13), like a missing one.
	w.e.Golden(t, "identify_other_tenant", rc.Do("GET", w.pn(w.reseller)+"/%2B14155550400/identify", nil).Expect(t, 404))
	rc.Do("GET", w.pn(w.reseller)+"/%2B14155559999/identify", nil).Expect(t, 404)
	// A customer cannot identify its parent's numbers either.
	w.e.Client(w.customer.Token).Do("GET", w.pn(w.customer)+"/%2B14155550500/identify", nil).Expect(t, 404)
	// The master sees everything, with Kazoo's 400s.
	w.e.Golden(t, "identify_unassigned", w.admin.Do("GET", w.pn(w.reseller)+"/%2B14155550500/identify", nil).Expect(t, 400))
	w.e.Golden(t, "identify_not_in_service", rc.Do("GET", w.pn(w.reseller)+"/%2B14155550600/identify", nil).Expect(t, 400))
	w.admin.Do("POST", "/v2/accounts/"+w.customer.ID, map[string]any{"data": map[string]any{"enabled": false}}).Expect(t, 200)
	w.e.Golden(t, "identify_account_disabled", rc.Do("GET", w.pn(w.reseller)+"/%2B14155550300/identify", nil).Expect(t, 400))
	// Wrong methods and unknown two-segment paths.
	rc.Do("GET", w.pn(w.reseller)+"/%2B14155550300/activate", nil).Expect(t, 405)
	rc.Do("GET", w.pn(w.reseller)+"/collection/activate", nil).Expect(t, 405)
	rc.Do("GET", w.pn(w.reseller)+"/fix/%2B14155550300", nil).Expect(t, 405)
	rc.Do("GET", w.pn(w.reseller)+"/%2B14155550300/bogus", nil).Expect(t, 404)
	r := rc.Do("PUT", w.pn(w.reseller)+"/%2B14155550300/identify", nil).Expect(t, 405)
	if a := r.Header.Get("Allow"); a != "GET, HEAD" {
		t.Errorf("identify Allow %q", a)
	}
	// The GET dispatcher does not add GET to the PUT-only sub-resources.
	for _, p := range []string{"/%2B14155550300/activate", "/%2B14155550300/port", "/collection/activate"} {
		if a := rc.Do("POST", w.pn(w.reseller)+p, nil).Expect(t, 405).Header.Get("Allow"); a != "PUT" {
			t.Errorf("POST %s: Allow %q", p, a)
		}
	}
	rc.Do("POST", w.pn(w.reseller)+"/%2B14155550300/bogus", nil).Expect(t, 404)
}

func TestFix(t *testing.T) {
	w := newWorld(t, nil)
	gone := w.e.NewAccount(w.reseller, "gone", nil)
	w.create(t, w.reseller, "+14155550100", nil)
	w.create(t, gone, "+14155550200", nil)                                                                                // local: deleted when released
	w.create(t, gone, "+14155550201", map[string]any{"create_with_state": "in_service", "carrier_name": "knm_inventory"}) // back to available
	w.e.Client(gone.Token).Do("PUT", w.pn(gone)+"/%2B14155550202/port", nil).Expect(t, 201)                               // port_in: never touched
	w.admin.Do("DELETE", "/v2/accounts/"+gone.ID, nil).Expect(t, 200)
	// A stored feature that no longer matches the public fields.
	ctx := context.Background()
	err := w.e.DB.Tx(ctx, func(q *store.Q) error {
		rows, err := q.NumbersForUpdate(ctx, []string{"+14155550100"})
		if err != nil {
			return err
		}
		n := rows["+14155550100"]
		n.Features["failover"] = map[string]any{"e164": "+14155550999"}
		return q.ApplyNumberChanges(ctx, store.NumberChanges{Update: []*models.Number{n}})
	})
	if err != nil {
		t.Fatal(err)
	}
	rc := w.e.Client(w.reseller.Token)
	w.e.Golden(t, "fix", rc.Do("POST", w.pn(w.reseller)+"/fix", nil).Expect(t, 200))
	for num, want := range map[string]models.State{"+14155550201": models.StateAvailable, "+14155550202": models.StatePortIn} {
		n, err := w.e.DB.Q().NumberByE164(ctx, num)
		if err != nil || n.State != want {
			t.Errorf("%s: %+v %v", num, n, err)
		}
	}
	if _, err := w.e.DB.Q().NumberByE164(ctx, "+14155550200"); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("local number of the deleted account not released: %v", err)
	}
	n, _ := w.e.DB.Q().NumberByE164(ctx, "+14155550100")
	if _, ok := n.Features["failover"]; ok {
		t.Errorf("stale feature kept: %v", n.Features)
	}
	// fix/{N}: the number object; authorization over the number required.
	w.e.Golden(t, "fix_number", rc.Do("POST", w.pn(w.reseller)+"/fix/%2B14155550100", nil).Expect(t, 200))
	w.create(t, w.stranger, "+14155550400", nil)
	w.e.Golden(t, "fix_number_other_tenant", rc.Do("POST", w.pn(w.reseller)+"/fix/%2B14155550400", nil).Expect(t, 404))
	w.e.Golden(t, "fix_number_forbidden", rc.Do("POST", w.pn(w.reseller)+"/fix/%2B14155550201", nil).Expect(t, 403))
	w.e.Client(w.stranger.Token).Do("POST", w.pn(w.reseller)+"/fix", nil).Expect(t, 403)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
