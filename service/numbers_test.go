package service_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"numberd/models"
	"numberd/service"
)

// jsonOf renders a value as canonical JSON (sorted keys), so documents that
// went through the database compare equal to literals.
func jsonOf(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		tb.Fatal(err)
	}
	b, _ = json.Marshal(x)
	return string(b)
}

func wantPublic(tb testing.TB, n *models.Number, want models.Doc) {
	tb.Helper()
	if got, w := jsonOf(tb, n.Public), jsonOf(tb, want); got != w {
		tb.Errorf("%s public fields %s, want %s", n.Number, got, w)
	}
}

func wantFeatures(tb testing.TB, n *models.Number, want ...string) {
	tb.Helper()
	if got := n.FeatureNames(); fmt.Sprint(got) != fmt.Sprint(append([]string{}, want...)) {
		tb.Errorf("%s features %v, want %v", n.Number, got, want)
	}
}

func wantHistory(tb testing.TB, n *models.Number, want ...string) {
	tb.Helper()
	if fmt.Sprint([]string(n.ReserveHistory)) != fmt.Sprint(append([]string{}, want...)) {
		tb.Errorf("%s reserve history %v, want %v", n.Number, n.ReserveHistory, want)
	}
}

// insertAvailable stores Kazoo's AVAILABLE fixture (§13.1): available,
// previously owned by the reseller, public my_key "my string"; carrier
// local (feature local) or another carrier.
func (k *kazoo) insertAvailable(tb testing.TB, number, carrier string) {
	tb.Helper()
	n := &models.Number{Number: number, State: models.StateAvailable, Carrier: carrier,
		PreviouslyAssignedTo: k.Reseller.ID, Public: models.Doc{"my_key": "my string"}, Features: models.Doc{}}
	if models.IsLocalCarrier(carrier) {
		n.Features["local"] = map[string]any{}
	}
	k.MustInsert(tb, n)
}

func TestService_CreateNumber(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)

	t.Run("AllowedStates", func(t *testing.T) {
		// kazoo-number-manager.md §1.3 step 2: admin [aging available
		// in_service port_in reserved]; allow_additions [in_service
		// reserved]; others none; port_in always. Never discovery, deleted,
		// released, port_out.
		allowed := map[string][]models.State{
			"admin":     {models.StateAging, models.StateAvailable, models.StateInService, models.StatePortIn, models.StateReserved},
			"additions": {models.StateInService, models.StateReserved, models.StatePortIn},
			"none":      {models.StatePortIn},
		}
		callers := []struct {
			name          string
			caller, owner *tenant
		}{
			{"admin", k.Master, k.Reseller},
			{"additions", k.Reseller, k.Reseller},
			{"none", k.Child, k.Child},
		}
		i := 0
		for _, c := range callers {
			for _, st := range models.AllStates {
				i++
				number := num(1000 + i)
				ok := false
				for _, s := range allowed[c.name] {
					ok = ok || s == st
				}
				t.Run(c.name+"/"+string(st), func(t *testing.T) {
					n, err := k.Svc.CreateNumber(c.caller.Ctx, c.owner.ID, number, service.CreateInput{State: st})
					if !ok {
						wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "state_for_create")
						if k.Exists(t, number) || len(k.Events(t, number)) != 0 {
							t.Errorf("a refused create wrote the number or its history")
						}
						return
					}
					if err != nil {
						t.Fatalf("CreateNumber: %v", err)
					}
					got := k.MustGet(t, number)
					if got.State != st || n.State != st {
						t.Errorf("state %s (returned %s), want %s", got.State, n.State, st)
					}
					wantOwner := c.owner.ID
					if st == models.StateAvailable {
						wantOwner = "" // an available number belongs to nobody
					}
					if got.AssignedTo != wantOwner {
						t.Errorf("owner %q, want %q", got.AssignedTo, wantOwner)
					}
					if got.Carrier != models.CarrierLocal || got.PortedIn {
						t.Errorf("carrier %q ported_in %v, want local, false", got.Carrier, got.PortedIn)
					}
					wantFeatures(t, got, "local")
					if st == models.StateReserved {
						wantHistory(t, got, c.owner.ID)
					} else {
						wantHistory(t, got)
					}
					evs := k.Events(t, number)
					if len(evs) != 1 || evs[0].Action != models.ActionCreate || evs[0].FromState != "" || evs[0].ToState != st ||
						evs[0].ToAccount != wantOwner || evs[0].ActorAccount != c.caller.ID {
						t.Errorf("events %+v, want one create event to %s/%s by %s", evs, st, wantOwner, c.caller.ID)
					}
				})
			}
		}
	})

	t.Run("DefaultInService", func(t *testing.T) {
		n, err := k.Svc.CreateNumber(k.Master.Ctx, k.Reseller.ID, num(1), service.CreateInput{})
		if err != nil {
			t.Fatal(err)
		}
		if n.State != models.StateInService || n.AssignedTo != k.Reseller.ID {
			t.Fatalf("state %s owner %s, want in_service for the reseller (decisions.md 1)", n.State, n.AssignedTo)
		}
		if n.CreatedAt.IsZero() || !n.CreatedAt.Equal(k.Svc.Now()) {
			t.Errorf("created_at %v, want the service clock %v", n.CreatedAt, k.Svc.Now())
		}
	})

	t.Run("UnknownState", func(t *testing.T) {
		_, err := k.Svc.CreateNumber(k.Master.Ctx, k.Reseller.ID, num(2), service.CreateInput{State: "bogus"})
		wantFieldErrors(t, err, "create_with_state:enum")
	})

	t.Run("Twice", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Reseller, num(3), "", nil)
		before := k.Snapshot(t)
		_, err := k.Svc.CreateNumber(k.Master.Ctx, k.Reseller.ID, num(3), service.CreateInput{})
		wantErr(t, err, models.ECONFLICT, models.ReasonNumberExists, num(3))
		k.AssertUnchanged(t, before)
	})

	t.Run("Spellings", func(t *testing.T) {
		n := k.MustCreate(t, k.Master, k.Reseller, "4155550004", "", nil)
		if n.Number != num(4) {
			t.Fatalf("number %q, want %q", n.Number, num(4))
		}
		for _, raw := range []string{"+14155550004", "14155550004", "(415) 555-0004", "0014155550004"} {
			_, err := k.Svc.CreateNumber(k.Master.Ctx, k.Reseller.ID, raw, service.CreateInput{})
			wantErr(t, err, models.ECONFLICT, models.ReasonNumberExists, num(4))
		}
	})

	t.Run("NotReconcilable", func(t *testing.T) {
		for _, raw := range []string{"1000", "NOT a number", "+1415"} {
			_, err := k.Svc.CreateNumber(k.Master.Ctx, k.Reseller.ID, raw, service.CreateInput{})
			wantErr(t, err, models.EINVALID, models.ReasonNotReconcilable, raw)
		}
	})

	t.Run("NewWithoutAdditions", func(t *testing.T) {
		// §13.5: an account without allow_additions may not create.
		_, err := k.Svc.CreateNumber(k.Child.Ctx, k.Child.ID, num(5), service.CreateInput{})
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "state_for_create")
		if k.Exists(t, num(5)) {
			t.Errorf("refused create stored the number")
		}
	})

	t.Run("PortInWithoutAdditions", func(t *testing.T) {
		n, err := k.Svc.CreateNumber(k.Child.Ctx, k.Child.ID, num(6), service.CreateInput{State: models.StatePortIn})
		if err != nil {
			t.Fatal(err)
		}
		if n.State != models.StatePortIn || n.AssignedTo != k.Child.ID || n.Carrier != models.CarrierLocal || n.PortedIn {
			t.Errorf("got %s/%s carrier %s ported_in %v, want port_in for child, local, false", n.State, n.AssignedTo, n.Carrier, n.PortedIn)
		}
	})

	t.Run("AvailableIsUnassigned", func(t *testing.T) {
		n := k.MustCreate(t, k.Master, k.Master, num(7), models.StateAvailable, nil)
		if n.AssignedTo != "" || n.State != models.StateAvailable || n.Carrier != models.CarrierLocal {
			t.Fatalf("got %s owner %q carrier %s, want available, unassigned, local", n.State, n.AssignedTo, n.Carrier)
		}
	})

	t.Run("PublicFieldsCleaned", func(t *testing.T) {
		n := k.MustCreate(t, k.Master, k.Reseller, num(8), "", models.Doc{
			"my_key": "v", "id": "+19999999999", "used_by": "callflow", "_read_only": map[string]any{"state": "x"},
			"pvt_assigned_to": k.Unrelated.ID, "create_with_state": "reserved", "nested": map[string]any{"a": 1},
		})
		got := k.MustGet(t, num(8))
		wantPublic(t, got, models.Doc{"my_key": "v", "nested": map[string]any{"a": 1}})
		wantPublic(t, n, models.Doc{"my_key": "v", "nested": map[string]any{"a": 1}})
		if got.State != models.StateInService || got.UsedBy != "" || got.AssignedTo != k.Reseller.ID {
			t.Errorf("stored %s used_by %q owner %s: a stripped key took effect", got.State, got.UsedBy, got.AssignedTo)
		}
	})

	t.Run("Validation", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			public models.Doc
			want   []string
		}{
			{"CnamTooLong", models.Doc{"cnam": map[string]any{"display_name": strings.Repeat("x", 16)}}, []string{"cnam.display_name:maxLength"}},
			{"CnamType", models.Doc{"cnam": "ACME"}, []string{"cnam:type"}},
			{"E911Required", models.Doc{"e911": map[string]any{"street_address": "1 Main St", "region": "CAL"}},
				[]string{"e911.locality:required", "e911.postal_code:required", "e911.region:maxLength"}},
			{"CarrierNameEmpty", models.Doc{"carrier_name": ""}, []string{"carrier_name:minLength"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := k.Snapshot(t)
				_, err := k.Svc.CreateNumber(k.Master.Ctx, k.Reseller.ID, num(9), service.CreateInput{Public: tc.public})
				wantFieldErrors(t, err, tc.want...)
				k.AssertUnchanged(t, before)
			})
		}
	})

	t.Run("AccountForbidden", func(t *testing.T) {
		before := k.Snapshot(t)
		_, err := k.Svc.CreateNumber(k.Reseller.Ctx, k.Unrelated.ID, num(10), service.CreateInput{})
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		k.AssertUnchanged(t, before)
	})

	t.Run("CarrierNameAdminOnly", func(t *testing.T) {
		n := k.MustCreate(t, k.Master, k.Reseller, num(11), "", models.Doc{"carrier_name": "knm_other"})
		if n.Carrier != models.CarrierOther || n.Public["carrier_name"] != nil {
			t.Errorf("carrier %q public %v, want other and carrier_name consumed", n.Carrier, n.Public)
		}
		wantFeatures(t, n)
		_, err := k.Svc.CreateNumber(k.Reseller.Ctx, k.Reseller.ID, num(12), service.CreateInput{Public: models.Doc{"carrier_name": "other"}})
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		_, err = k.Svc.CreateNumber(k.Master.Ctx, k.Reseller.ID, num(12), service.CreateInput{Public: models.Doc{"carrier_name": "blipblop"}})
		wantErr(t, err, models.EINVALID, models.ReasonInvalid, "'blipblop' is not known by the system")
		if k.Exists(t, num(12)) {
			t.Errorf("refused create stored the number")
		}
	})
}

func TestService_CreateNumber_Existing(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)
	// §13.5 load-to-create: available, aging and port_in are taken over;
	// anything else is number_exists (409), cause the number. A discovery row
	// (a search result numberd stores, decisions.md 11) is replaced by the
	// create, as in Kazoo 4.3, which never stores discovery numbers.
	setup := []struct {
		st    models.State
		make  func(t *testing.T, number string)
		takes bool
	}{
		{models.StateAvailable, func(t *testing.T, n string) { k.MustCreateAvailable(t, []string{n}) }, true},
		{models.StateAging, func(t *testing.T, n string) { k.MustCreate(t, k.Master, k.Master, n, models.StateAging, nil) }, true},
		{models.StatePortIn, func(t *testing.T, n string) {
			if _, err := k.Svc.PortNumber(k.Child.Ctx, k.Child.ID, n, nil); err != nil {
				t.Fatal(err)
			}
		}, true},
		{models.StateInService, func(t *testing.T, n string) { k.MustCreate(t, k.Master, k.Child, n, "", nil) }, false},
		{models.StateReserved, func(t *testing.T, n string) { k.MustCreate(t, k.Master, k.Child, n, models.StateReserved, nil) }, false},
		{models.StateDiscovery, func(t *testing.T, n string) {
			k.MustInsert(t, &models.Number{Number: n, State: models.StateDiscovery, Carrier: "telnyx"})
		}, true},
		{models.StatePortOut, func(t *testing.T, n string) {
			k.MustInsert(t, &models.Number{Number: n, State: models.StatePortOut, AssignedTo: k.Child.ID})
		}, false},
		{models.StateReleased, func(t *testing.T, n string) {
			k.MustInsert(t, &models.Number{Number: n, State: models.StateReleased})
		}, false},
		{models.StateDeleted, func(t *testing.T, n string) {
			k.MustInsert(t, &models.Number{Number: n, State: models.StateDeleted})
		}, false},
	}
	for i, tc := range setup {
		t.Run(string(tc.st), func(t *testing.T) {
			number := num(100 + i)
			tc.make(t, number)
			before := k.Snapshot(t)
			evBefore := len(k.Events(t, number))
			n, err := k.Svc.CreateNumber(k.Master.Ctx, k.Reseller.ID, number, service.CreateInput{Public: models.Doc{"k": "v"}})
			if !tc.takes {
				wantErr(t, err, models.ECONFLICT, models.ReasonNumberExists, number)
				k.AssertUnchanged(t, before)
				return
			}
			if err != nil {
				t.Fatalf("take over %s: %v", tc.st, err)
			}
			got := k.MustGet(t, number)
			if got.State != models.StateInService || got.AssignedTo != k.Reseller.ID || n.AssignedTo != k.Reseller.ID {
				t.Errorf("got %s/%s, want in_service for the reseller", got.State, got.AssignedTo)
			}
			wantPublic(t, got, models.Doc{"k": "v"})
			wantHistory(t, got)
			evs := k.Events(t, number)
			if len(evs) != evBefore+1 {
				t.Fatalf("%d events, want %d", len(evs), evBefore+1)
			}
			last := evs[len(evs)-1]
			if last.FromState != tc.st || last.ToState != models.StateInService || last.ToAccount != k.Reseller.ID {
				t.Errorf("take-over event %+v", last)
			}
		})
	}

	t.Run("NotReadable", func(t *testing.T) {
		// §1.3 4: a number the requester may not read is 403, not 409.
		k.MustCreate(t, k.Master, k.Reseller, num(200), "", nil)
		before := k.Snapshot(t)
		_, err := k.Svc.CreateNumber(k.Unrelated.Ctx, k.Unrelated.ID, num(200), service.CreateInput{State: models.StatePortIn})
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		k.AssertUnchanged(t, before)
	})

	t.Run("ReadableByAncestor", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Child, num(201), "", nil)
		_, err := k.Svc.CreateNumber(k.Reseller.Ctx, k.Reseller.ID, num(201), service.CreateInput{})
		wantErr(t, err, models.ECONFLICT, models.ReasonNumberExists, num(201))
	})

	t.Run("StateForCreateBeatsExisting", func(t *testing.T) {
		// A disallowed state fails existing numbers too.
		k.MustCreateAvailable(t, []string{num(202)})
		before := k.Snapshot(t)
		_, err := k.Svc.CreateNumber(k.Child.Ctx, k.Child.ID, num(202), service.CreateInput{})
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "state_for_create")
		k.AssertUnchanged(t, before)
	})
}

func TestService_GetNumber(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)
	avail, owned, reserved := num(1), num(2), num(3)
	k.insertAvailable(t, avail, models.CarrierLocal)
	k.MustCreate(t, k.Master, k.Child, owned, "", nil)
	k.MustCreate(t, k.Master, k.Reseller, reserved, models.StateReserved, nil)

	for _, tc := range []struct {
		name   string
		caller *tenant
		number string
		ok     bool
	}{
		// §13.4: an available number is readable by anyone.
		{"AvailableByChild", k.Child, avail, true},
		{"AvailableByUnrelated", k.Unrelated, avail, true},
		{"OwnedByOwner", k.Child, owned, true},
		{"OwnedByAncestor", k.Reseller, owned, true},
		{"OwnedByAdmin", k.Master, owned, true},
		{"OwnedByUnrelated", k.Unrelated, owned, false},
		{"ReservedByParentReadByChild", k.Child, reserved, true},
		{"ReservedReadByUnrelated", k.Unrelated, reserved, false},
		{"Missing", k.Master, num(4), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := k.Svc.GetNumber(tc.caller.Ctx, tc.caller.ID, tc.number)
			if !tc.ok {
				// Forbidden is hidden as not_found.
				wantErr(t, err, models.ENOTFOUND, models.ReasonNotFound, "-")
				return
			}
			if err != nil || n.Number != tc.number {
				t.Fatalf("GetNumber: %v %v", n, err)
			}
		})
	}
	t.Run("Spellings", func(t *testing.T) {
		for _, raw := range []string{"4155550002", "14155550002", "+1 (415) 555-0002", "01114155550002"} {
			n, err := k.Svc.GetNumber(k.Child.Ctx, k.Child.ID, raw)
			if err != nil || n.Number != owned {
				t.Errorf("GetNumber(%q): %v %v", raw, n, err)
			}
		}
	})
	t.Run("NotReconcilable", func(t *testing.T) {
		_, err := k.Svc.GetNumber(k.Child.Ctx, k.Child.ID, "1000")
		wantErr(t, err, models.EINVALID, models.ReasonNotReconcilable, "1000")
	})
	t.Run("OtherAccountURL", func(t *testing.T) {
		_, err := k.Svc.GetNumber(k.Child.Ctx, k.Reseller.ID, owned)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
	})
	t.Run("NumbersByE164", func(t *testing.T) {
		m, err := k.Svc.NumbersByE164(k.Unrelated.Ctx, []string{avail, owned, reserved, num(4)})
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 1 || m[avail] == nil {
			t.Errorf("unrelated batch read returned %v, want only the available number", m)
		}
	})
}

func TestService_UpdateNumber(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)
	seed := models.Doc{"a": 1, "b": map[string]any{"c": 1, "e": 2}, "keep": "x"}

	t.Run("Replace", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Child, num(1), "", seed)
		n, err := k.Svc.UpdateNumber(k.Child.Ctx, k.Child.ID, num(1), models.Doc{"b": map[string]any{"d": 2}}, false)
		if err != nil {
			t.Fatal(err)
		}
		wantPublic(t, n, models.Doc{"b": map[string]any{"d": 2}})
		wantPublic(t, k.MustGet(t, num(1)), models.Doc{"b": map[string]any{"d": 2}})
	})
	t.Run("Merge", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Child, num(2), "", seed)
		patch := models.Doc{"a": nil, "b": map[string]any{"c": nil, "d": 2}, "f": "new"}
		if _, err := k.Svc.UpdateNumber(k.Child.Ctx, k.Child.ID, num(2), patch, true); err != nil {
			t.Fatal(err)
		}
		wantPublic(t, k.MustGet(t, num(2)), models.Doc{"b": map[string]any{"d": 2, "e": 2}, "f": "new", "keep": "x"})
	})
	t.Run("StrippedKeys", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Child, num(3), "", nil)
		for _, merge := range []bool{false, true} {
			_, err := k.Svc.UpdateNumber(k.Child.Ctx, k.Child.ID, num(3), models.Doc{
				"id": "+19999999999", "used_by": "trunkstore", "_read_only": map[string]any{"state": "available"},
				"pvt_assigned_to": k.Unrelated.ID, "pvt_state": "available", "create_with_state": "reserved", "mine": merge,
			}, merge)
			if err != nil {
				t.Fatal(err)
			}
			got := k.MustGet(t, num(3))
			wantPublic(t, got, models.Doc{"mine": merge})
			if got.UsedBy != "" || got.AssignedTo != k.Child.ID || got.State != models.StateInService {
				t.Errorf("used_by %q owner %s state %s: a stripped key took effect", got.UsedBy, got.AssignedTo, got.State)
			}
		}
		if evs := k.Events(t, num(3)); len(evs) != 1 {
			t.Errorf("%d events: an update of public fields wrote history", len(evs))
		}
	})
	t.Run("Validation", func(t *testing.T) {
		// A non-local number, so that cnam is an available feature.
		k.MustCreate(t, k.Master, k.Child, num(4), "", models.Doc{"carrier_name": "other", "cnam": map[string]any{"inbound_lookup": true}})
		for _, tc := range []struct {
			name   string
			fields models.Doc
			merge  bool
			want   []string
		}{
			{"ReplaceCnam", models.Doc{"cnam": map[string]any{"display_name": ""}}, false, []string{"cnam.display_name:minLength"}},
			{"ReplaceE911", models.Doc{"e911": map[string]any{"locality": "SF", "postal_code": "94105", "region": "C", "street_address": 5}},
				false, []string{"e911.region:minLength", "e911.street_address:type"}},
			{"MergeResultChecked", models.Doc{"cnam": map[string]any{"inbound_lookup": "yes"}}, true, []string{"cnam.inbound_lookup:type"}},
			{"MergeCarrierName", models.Doc{"carrier_name": strings.Repeat("c", 31)}, true, []string{"carrier_name:maxLength"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := k.Snapshot(t)
				_, err := k.Svc.UpdateNumber(k.Child.Ctx, k.Child.ID, num(4), tc.fields, tc.merge)
				wantFieldErrors(t, err, tc.want...)
				k.AssertUnchanged(t, before)
			})
		}
	})
	t.Run("AvailableNeedsAuthorization", func(t *testing.T) {
		// decisions.md 14: writes need authorization even on available numbers.
		k.MustCreateAvailable(t, []string{num(5)})
		before := k.Snapshot(t)
		for _, who := range []*tenant{k.Child, k.Reseller, k.Unrelated} {
			for _, merge := range []bool{false, true} {
				_, err := k.Svc.UpdateNumber(who.Ctx, who.ID, num(5), models.Doc{"x": 1}, merge)
				wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
			}
		}
		k.AssertUnchanged(t, before)
		if _, err := k.Svc.UpdateNumber(k.Master.Ctx, k.Master.ID, num(5), models.Doc{"x": 1}, true); err != nil {
			t.Errorf("admin update of an available number: %v", err)
		}
	})
	t.Run("Authorization", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Child, num(6), "", nil)
		if _, err := k.Svc.UpdateNumber(k.Reseller.Ctx, k.Reseller.ID, num(6), models.Doc{"by": "parent"}, true); err != nil {
			t.Errorf("ancestor update: %v", err)
		}
		_, err := k.Svc.UpdateNumber(k.Unrelated.Ctx, k.Unrelated.ID, num(6), models.Doc{"by": "stranger"}, true)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		// A sub-account may read its parent's reserved number but not write it.
		k.MustCreate(t, k.Master, k.Reseller, num(7), models.StateReserved, nil)
		_, err = k.Svc.UpdateNumber(k.Child.Ctx, k.Child.ID, num(7), models.Doc{"by": "child"}, true)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		wantPublic(t, k.MustGet(t, num(6)), models.Doc{"by": "parent"})
	})
	t.Run("NotFound", func(t *testing.T) {
		_, err := k.Svc.UpdateNumber(k.Child.Ctx, k.Child.ID, num(99), models.Doc{"x": 1}, false)
		wantErr(t, err, models.ENOTFOUND, models.ReasonNotFound, "-")
		k.MustInsert(t, &models.Number{Number: num(98), State: models.StateDiscovery, Carrier: "telnyx"})
		_, err = k.Svc.UpdateNumber(k.Master.Ctx, k.Master.ID, num(98), models.Doc{"x": 1}, false)
		wantErr(t, err, models.ENOTFOUND, models.ReasonNotFound, "-")
	})
	t.Run("FeatureDenied", func(t *testing.T) {
		// §13.4: e911 on a local number is forbidden and not set.
		k.MustCreate(t, k.Master, k.Reseller, num(8), "", nil)
		e911 := map[string]any{"street_address": "1 Main St", "locality": "SF", "region": "CA", "postal_code": "94105"}
		before := k.Snapshot(t)
		_, err := k.Svc.UpdateNumber(k.Reseller.Ctx, k.Reseller.ID, num(8), models.Doc{"e911": e911}, false)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		k.AssertUnchanged(t, before)
		// The same on a non-local number is allowed and becomes a feature.
		k.MustCreate(t, k.Master, k.Reseller, num(9), "", models.Doc{"carrier_name": "other"})
		n, err := k.Svc.UpdateNumber(k.Reseller.Ctx, k.Reseller.ID, num(9),
			models.Doc{"e911": e911, "cnam": map[string]any{"display_name": "ACME"}}, false)
		if err != nil {
			t.Fatal(err)
		}
		wantFeatures(t, n, "e911", "outbound_cnam")
		wantFeatures(t, k.MustGet(t, num(9)), "e911", "outbound_cnam")
	})
}

func TestService_ReleaseNumber(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)

	t.Run("NotFound", func(t *testing.T) {
		_, err := k.Svc.ReleaseNumber(k.Master.Ctx, k.Master.ID, num(1), false)
		wantErr(t, err, models.ENOTFOUND, models.ReasonNotFound, "-")
	})

	t.Run("AvailableLocal", func(t *testing.T) {
		k.insertAvailable(t, num(2), models.CarrierLocal)
		// decisions.md 14: only an authorized caller (here the admin).
		_, err := k.Svc.ReleaseNumber(k.Reseller.Ctx, k.Reseller.ID, num(2), false)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		n, err := k.Svc.ReleaseNumber(k.Master.Ctx, k.Master.ID, num(2), false)
		if err != nil {
			t.Fatal(err)
		}
		if n.State != models.StateDeleted || n.AssignedTo != "" || k.Exists(t, num(2)) {
			t.Errorf("state %s owner %q exists %v, want deleted, unassigned, row gone", n.State, n.AssignedTo, k.Exists(t, num(2)))
		}
	})

	t.Run("InServiceLocal", func(t *testing.T) {
		// §13.7: released by system, MASTER or RESELLER → deleted.
		for i, who := range []*tenant{k.Master, k.Reseller} {
			number := num(10 + i)
			k.MustCreate(t, k.Master, k.Reseller, number, "", models.Doc{"my_key": 1})
			n, err := k.Svc.ReleaseNumber(who.Ctx, who.ID, number, false)
			if err != nil {
				t.Fatal(err)
			}
			if n.State != models.StateDeleted || n.AssignedTo != "" || len(n.ReserveHistory) != 0 || len(n.Public) != 0 {
				t.Errorf("released %+v, want deleted, unassigned, no history, no public fields", n)
			}
			wantFeatures(t, n, "local")
			if k.Exists(t, number) {
				t.Errorf("released local number %s still stored", number)
			}
			evs := k.Events(t, number)
			last := evs[len(evs)-1]
			if len(evs) != 2 || last.Action != models.ActionRelease || last.FromState != models.StateInService ||
				last.ToState != models.StateDeleted || last.FromAccount != k.Reseller.ID || last.ToAccount != "" || last.ActorAccount != who.ID {
				t.Errorf("events %+v", evs)
			}
		}
	})

	t.Run("NonLocal", func(t *testing.T) {
		// kazoo-crossbar §10.1 A: carrier_name set by an admin; a release
		// then makes the number available and unassigned instead of deleting it.
		k.MustCreate(t, k.Master, k.Reseller, num(20), "", models.Doc{"carrier_name": "knm_other", "my_key": 1})
		n, err := k.Svc.ReleaseNumber(k.Reseller.Ctx, k.Reseller.ID, num(20), false)
		if err != nil {
			t.Fatal(err)
		}
		got := k.MustGet(t, num(20))
		for _, x := range []*models.Number{n, got} {
			if x.State != models.StateAvailable || x.AssignedTo != "" || x.PreviouslyAssignedTo != k.Reseller.ID || x.Carrier != models.CarrierOther {
				t.Errorf("released %s owner %q prev %q carrier %s, want available, unassigned, prev reseller, other",
					x.State, x.AssignedTo, x.PreviouslyAssignedTo, x.Carrier)
			}
			wantPublic(t, x, models.Doc{})
			wantFeatures(t, x)
			wantHistory(t, x)
		}
		page, err := k.Svc.ListNumbers(k.Reseller.Ctx, k.Reseller.ID, service.ListQuery{})
		if err != nil || len(page.Numbers) != 0 {
			t.Errorf("reseller still lists %d numbers (%v)", len(page.Numbers), err)
		}
		// Released again: available on a non-local carrier cannot be released.
		before := k.Snapshot(t)
		_, err = k.Svc.ReleaseNumber(k.Master.Ctx, k.Master.ID, num(20), false)
		wantErr(t, err, models.ECONFLICT, models.ReasonInvalidStateTransition, "from available to available")
		k.AssertUnchanged(t, before)
	})

	t.Run("AvailableNonLocalOwned", func(t *testing.T) {
		// Kazoo's TELNYX fixture: "available" but owned by RESELLER.
		k.MustInsert(t, &models.Number{Number: num(21), State: models.StateAvailable, AssignedTo: k.Reseller.ID, Carrier: "telnyx"})
		_, err := k.Svc.ReleaseNumber(k.Reseller.Ctx, k.Reseller.ID, num(21), false)
		wantErr(t, err, models.ECONFLICT, models.ReasonInvalidStateTransition, "from available to available")
	})

	t.Run("HistoryUnwind", func(t *testing.T) {
		// WITH_HISTORY: in_service RESELLER, history [RESELLER, MASTER] →
		// reserved to MASTER, history [MASTER].
		number := num(30)
		k.MustCreateAvailable(t, []string{number})
		if _, err := k.Svc.ReserveNumber(k.Master.Ctx, k.Master.ID, number, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Svc.ReserveNumber(k.Master.Ctx, k.Reseller.ID, number, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Svc.ActivateNumber(k.Reseller.Ctx, k.Reseller.ID, number, nil); err != nil {
			t.Fatal(err)
		}
		cur := k.MustGet(t, number)
		if cur.State != models.StateInService || cur.AssignedTo != k.Reseller.ID {
			t.Fatalf("setup: %s/%s", cur.State, cur.AssignedTo)
		}
		wantHistory(t, cur, k.Reseller.ID, k.Master.ID)
		n, err := k.Svc.ReleaseNumber(k.Reseller.Ctx, k.Reseller.ID, number, false)
		if err != nil {
			t.Fatal(err)
		}
		got := k.MustGet(t, number)
		for _, x := range []*models.Number{n, got} {
			if x.State != models.StateReserved || x.AssignedTo != k.Master.ID {
				t.Errorf("released %s/%s, want reserved to the master", x.State, x.AssignedTo)
			}
			wantHistory(t, x, k.Master.ID)
		}
	})

	t.Run("HardByAdmin", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Reseller, num(40), "", models.Doc{"carrier_name": "other"})
		n, err := k.Svc.ReleaseNumber(k.Master.Ctx, k.Reseller.ID, num(40), true)
		if err != nil {
			t.Fatal(err)
		}
		if n.State != models.StateDeleted || k.Exists(t, num(40)) {
			t.Errorf("hard delete: state %s exists %v, want deleted and gone", n.State, k.Exists(t, num(40)))
		}
		evs := k.Events(t, num(40))
		if last := evs[len(evs)-1]; last.Action != models.ActionDelete || last.ToState != models.StateDeleted {
			t.Errorf("hard delete event %+v", last)
		}
	})

	t.Run("HardByNonAdmin", func(t *testing.T) {
		// hard=true from anyone else is a normal release.
		k.MustCreate(t, k.Master, k.Reseller, num(41), "", models.Doc{"carrier_name": "other"})
		n, err := k.Svc.ReleaseNumber(k.Reseller.Ctx, k.Reseller.ID, num(41), true)
		if err != nil {
			t.Fatal(err)
		}
		if n.State != models.StateAvailable || !k.Exists(t, num(41)) {
			t.Errorf("state %s exists %v, want a normal release to available", n.State, k.Exists(t, num(41)))
		}
		evs := k.Events(t, num(41))
		if last := evs[len(evs)-1]; last.Action != models.ActionRelease {
			t.Errorf("event action %s, want release", last.Action)
		}
	})

	t.Run("Forbidden", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Child, num(50), "", nil)
		k.MustCreate(t, k.Master, k.Reseller, num(51), models.StateReserved, nil)
		before := k.Snapshot(t)
		// kazoo-crossbar §10.3 8: an unrelated account's DELETE is 403.
		_, err := k.Svc.ReleaseNumber(k.Unrelated.Ctx, k.Unrelated.ID, num(50), false)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		// The child may read its parent's reservation but not release it.
		_, err = k.Svc.ReleaseNumber(k.Child.Ctx, k.Child.ID, num(51), false)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		k.AssertUnchanged(t, before)
	})
}

func TestService_ActivateNumber(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)

	t.Run("EveryoneBuysAvailable", func(t *testing.T) {
		// §13.6: every caller may buy an available number, local or not,
		// for any account it may act on.
		combos := []struct{ caller, target *tenant }{
			{k.Child, k.Child}, {k.Reseller, k.Reseller}, {k.Reseller, k.Child},
			{k.Master, k.Master}, {k.Master, k.Reseller}, {k.Master, k.Child},
		}
		i := 0
		for _, c := range combos {
			for _, carrier := range []string{models.CarrierLocal, "telnyx"} {
				i++
				number := num(100 + i)
				k.insertAvailable(t, number, carrier)
				t.Run(c.caller.Name+"/"+c.target.Name+"/"+carrier, func(t *testing.T) {
					if _, err := k.Svc.ActivateNumber(c.caller.Ctx, c.target.ID, number, nil); err != nil {
						t.Fatal(err)
					}
					got := k.MustGet(t, number)
					if got.State != models.StateInService || got.AssignedTo != c.target.ID || got.PreviouslyAssignedTo != k.Reseller.ID || got.Carrier != carrier {
						t.Errorf("got %s owner %s prev %s carrier %s", got.State, got.AssignedTo, got.PreviouslyAssignedTo, got.Carrier)
					}
					wantHistory(t, got)
					if carrier == models.CarrierLocal {
						wantFeatures(t, got, "local")
					} else {
						wantFeatures(t, got)
					}
				})
			}
		}
	})

	t.Run("ParentReserved", func(t *testing.T) {
		for i, tc := range []struct {
			name           string
			caller, target *tenant
			ok             bool
		}{
			{"ChildTakesIt", k.Child, k.Child, true},
			{"UnrelatedForbidden", k.Unrelated, k.Unrelated, false},
			{"AdminAnywhere", k.Master, k.Unrelated, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				number := num(200 + i)
				k.MustCreate(t, k.Master, k.Reseller, number, models.StateReserved, nil)
				before := k.Snapshot(t)
				_, err := k.Svc.ActivateNumber(tc.caller.Ctx, tc.target.ID, number, nil)
				if !tc.ok {
					wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
					k.AssertUnchanged(t, before)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got := k.MustGet(t, number)
				if got.State != models.StateInService || got.AssignedTo != tc.target.ID {
					t.Errorf("got %s/%s, want in_service for %s", got.State, got.AssignedTo, tc.target.Name)
				}
			})
		}
	})

	t.Run("FieldsReplace", func(t *testing.T) {
		k.insertAvailable(t, num(300), models.CarrierLocal)
		n, err := k.Svc.ActivateNumber(k.Child.Ctx, k.Child.ID, num(300), models.Doc{"a": "bla", "my_key": 42})
		if err != nil {
			t.Fatal(err)
		}
		wantPublic(t, n, models.Doc{"a": "bla", "my_key": 42})
		wantPublic(t, k.MustGet(t, num(300)), models.Doc{"a": "bla", "my_key": 42})
	})

	t.Run("NoFieldsKeep", func(t *testing.T) {
		// decisions.md 15: an empty body keeps the public fields.
		for i, fields := range []models.Doc{nil, {}} {
			number := num(301 + i)
			k.insertAvailable(t, number, models.CarrierLocal)
			if _, err := k.Svc.ActivateNumber(k.Child.Ctx, k.Child.ID, number, fields); err != nil {
				t.Fatal(err)
			}
			wantPublic(t, k.MustGet(t, number), models.Doc{"my_key": "my string"})
		}
	})

	t.Run("AlreadyInServiceHere", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Child, num(310), "", models.Doc{"x": 1})
		before := k.Snapshot(t)
		n, err := k.Svc.ActivateNumber(k.Child.Ctx, k.Child.ID, num(310), nil)
		if err != nil || n.State != models.StateInService {
			t.Fatalf("re-activate: %v %v", n, err)
		}
		k.AssertUnchanged(t, before)
	})

	t.Run("InServiceElsewhere", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Reseller, num(311), "", nil)
		before := k.Snapshot(t)
		for _, who := range []*tenant{k.Child, k.Unrelated} {
			_, err := k.Svc.ActivateNumber(who.Ctx, who.ID, num(311), nil)
			wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		}
		k.AssertUnchanged(t, before)
		// The owner's ancestor may move it down to a child.
		if _, err := k.Svc.ActivateNumber(k.Reseller.Ctx, k.Child.ID, num(311), nil); err != nil {
			t.Fatal(err)
		}
		if got := k.MustGet(t, num(311)); got.AssignedTo != k.Child.ID || got.PreviouslyAssignedTo != k.Reseller.ID {
			t.Errorf("owner %s prev %s", got.AssignedTo, got.PreviouslyAssignedTo)
		}
	})

	t.Run("NeverExisting", func(t *testing.T) {
		_, err := k.Svc.ActivateNumber(k.Child.Ctx, k.Child.ID, num(399), nil)
		wantErr(t, err, models.ENOTFOUND, models.ReasonNotFound, "-")
	})

	t.Run("PortInToInService", func(t *testing.T) {
		if _, err := k.Svc.PortNumber(k.Child.Ctx, k.Child.ID, num(320), nil); err != nil {
			t.Fatal(err)
		}
		_, err := k.Svc.ActivateNumber(k.Unrelated.Ctx, k.Unrelated.ID, num(320), nil)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		if _, err := k.Svc.ActivateNumber(k.Child.Ctx, k.Child.ID, num(320), nil); err != nil {
			t.Fatal(err)
		}
		if got := k.MustGet(t, num(320)); got.State != models.StateInService {
			t.Errorf("state %s, want in_service", got.State)
		}
	})

	t.Run("Validation", func(t *testing.T) {
		k.insertAvailable(t, num(330), models.CarrierLocal)
		before := k.Snapshot(t)
		_, err := k.Svc.ActivateNumber(k.Child.Ctx, k.Child.ID, num(330), models.Doc{"cnam": map[string]any{"display_name": 7}})
		wantFieldErrors(t, err, "cnam.display_name:type")
		k.AssertUnchanged(t, before)
	})

	t.Run("RateLimited", func(t *testing.T) {
		e := newEnv(t, func(c *service.Config) { c.ActivateRate, c.ActivateBurst = 0.001, 1 })
		e.MustCreateAvailable(t, nums(1, 3))
		if _, err := e.Svc.ActivateNumber(e.Master.Ctx, e.Master.ID, num(1), nil); err != nil {
			t.Fatal(err)
		}
		_, err := e.Svc.ActivateNumber(e.Master.Ctx, e.Master.ID, num(2), nil)
		wantErr(t, err, models.ETOOMANY, models.ReasonTooManyRequests, "")
		// The collection endpoint takes no token.
		res, err := e.Svc.ActivateNumbers(e.Master.Ctx, e.Master.ID, nums(2, 2), nil)
		if err != nil || res[0].Err != nil || res[1].Err != nil {
			t.Errorf("collection activate under an empty bucket: %v %+v", err, res)
		}
	})
}

func TestService_ReserveNumber(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)

	t.Run("AvailableForReseller", func(t *testing.T) {
		// §13.8: AVAILABLE for RESELLER by MASTER → reserved, [RESELLER].
		k.MustCreateAvailable(t, []string{num(1)})
		n, err := k.Svc.ReserveNumber(k.Master.Ctx, k.Reseller.ID, num(1), nil)
		if err != nil {
			t.Fatal(err)
		}
		if n.State != models.StateReserved || n.AssignedTo != k.Reseller.ID {
			t.Errorf("got %s/%s", n.State, n.AssignedTo)
		}
		wantHistory(t, k.MustGet(t, num(1)), k.Reseller.ID)
	})

	t.Run("InServiceOwnerThenChild", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Reseller, num(2), "", nil)
		if _, err := k.Svc.ReserveNumber(k.Reseller.Ctx, k.Reseller.ID, num(2), nil); err != nil {
			t.Fatal(err)
		}
		got := k.MustGet(t, num(2))
		if got.State != models.StateReserved || got.AssignedTo != k.Reseller.ID {
			t.Errorf("got %s/%s", got.State, got.AssignedTo)
		}
		wantHistory(t, got, k.Reseller.ID)
		if _, err := k.Svc.ReserveNumber(k.Reseller.Ctx, k.Child.ID, num(2), nil); err != nil {
			t.Fatal(err)
		}
		got = k.MustGet(t, num(2))
		if got.State != models.StateReserved || got.AssignedTo != k.Child.ID {
			t.Errorf("got %s/%s", got.State, got.AssignedTo)
		}
		wantHistory(t, got, k.Child.ID, k.Reseller.ID)
	})

	t.Run("Twice", func(t *testing.T) {
		k.MustCreateAvailable(t, []string{num(3)})
		if _, err := k.Svc.ReserveNumber(k.Child.Ctx, k.Child.ID, num(3), nil); err != nil {
			t.Fatal(err)
		}
		before := k.Snapshot(t)
		_, err := k.Svc.ReserveNumber(k.Child.Ctx, k.Child.ID, num(3), nil)
		wantErr(t, err, models.ECONFLICT, models.ReasonNoChangeRequired, "")
		k.AssertUnchanged(t, before)
	})

	t.Run("Forbidden", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Reseller, num(4), "", nil)
		k.MustCreateAvailable(t, []string{num(5)})
		if _, err := k.Svc.ReserveNumber(k.Reseller.Ctx, k.Reseller.ID, num(5), nil); err != nil {
			t.Fatal(err)
		}
		before := k.Snapshot(t)
		_, err := k.Svc.ReserveNumber(k.Unrelated.Ctx, k.Unrelated.ID, num(4), nil)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		// Reserving needs authorization: a descendant may not take its
		// parent's reservation this way (§1.2 "Mismatch with the docs").
		_, err = k.Svc.ReserveNumber(k.Child.Ctx, k.Child.ID, num(5), nil)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		k.AssertUnchanged(t, before)
	})

	t.Run("InvalidTransition", func(t *testing.T) {
		if _, err := k.Svc.PortNumber(k.Child.Ctx, k.Child.ID, num(6), nil); err != nil {
			t.Fatal(err)
		}
		_, err := k.Svc.ReserveNumber(k.Child.Ctx, k.Child.ID, num(6), nil)
		wantErr(t, err, models.ECONFLICT, models.ReasonInvalidStateTransition, "from port_in to reserved")
	})

	t.Run("NotFound", func(t *testing.T) {
		_, err := k.Svc.ReserveNumber(k.Master.Ctx, k.Master.ID, num(99), nil)
		wantErr(t, err, models.ENOTFOUND, models.ReasonNotFound, "-")
	})

	t.Run("BodyValidatedNotApplied", func(t *testing.T) {
		k.MustCreateAvailable(t, []string{num(7)})
		_, err := k.Svc.ReserveNumber(k.Child.Ctx, k.Child.ID, num(7), models.Doc{"cnam": map[string]any{"display_name": strings.Repeat("x", 20)}})
		wantFieldErrors(t, err, "cnam.display_name:maxLength")
		if _, err := k.Svc.ReserveNumber(k.Child.Ctx, k.Child.ID, num(7), models.Doc{"x": 1}); err != nil {
			t.Fatal(err)
		}
		wantPublic(t, k.MustGet(t, num(7)), models.Doc{})
	})
}

func TestService_PortNumber(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)

	t.Run("New", func(t *testing.T) {
		n, err := k.Svc.PortNumber(k.Child.Ctx, k.Child.ID, num(1), models.Doc{"blip": 432})
		if err != nil {
			t.Fatal(err)
		}
		if n.State != models.StatePortIn || n.AssignedTo != k.Child.ID || n.Carrier != models.CarrierLocal {
			t.Errorf("got %s/%s carrier %s", n.State, n.AssignedTo, n.Carrier)
		}
		wantFeatures(t, n, "local")
		wantPublic(t, n, models.Doc{"blip": 432})
		evs := k.Events(t, num(1))
		if len(evs) != 1 || evs[0].Action != models.ActionPort || evs[0].ToState != models.StatePortIn {
			t.Errorf("events %+v, want one port event", evs)
		}
	})

	t.Run("Available", func(t *testing.T) {
		k.MustCreateAvailable(t, []string{num(2)})
		before := k.Snapshot(t)
		_, err := k.Svc.PortNumber(k.Child.Ctx, k.Child.ID, num(2), nil)
		wantErr(t, err, models.ECONFLICT, models.ReasonInvalidStateTransition, "from available to port_in")
		k.AssertUnchanged(t, before)
	})

	t.Run("InService", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Child, num(3), "", nil)
		before := k.Snapshot(t)
		_, err := k.Svc.PortNumber(k.Child.Ctx, k.Child.ID, num(3), nil)
		wantErr(t, err, models.ECONFLICT, models.ReasonNumberExists, num(3))
		_, err = k.Svc.PortNumber(k.Unrelated.Ctx, k.Unrelated.ID, num(3), nil)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		k.AssertUnchanged(t, before)
	})

	t.Run("ExistingPortInReassigned", func(t *testing.T) {
		if _, err := k.Svc.PortNumber(k.Child.Ctx, k.Child.ID, num(4), nil); err != nil {
			t.Fatal(err)
		}
		n, err := k.Svc.PortNumber(k.Reseller.Ctx, k.Reseller.ID, num(4), nil)
		if err != nil {
			t.Fatal(err)
		}
		if n.State != models.StatePortIn || n.AssignedTo != k.Reseller.ID || n.PreviouslyAssignedTo != k.Child.ID {
			t.Errorf("got %s/%s prev %s", n.State, n.AssignedTo, n.PreviouslyAssignedTo)
		}
		_, err = k.Svc.PortNumber(k.Unrelated.Ctx, k.Unrelated.ID, num(4), nil)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
	})
}

func TestService_ListNumbers(t *testing.T) {
	t.Parallel()
	k := newKazoo(t, func(c *service.Config) { c.ListingLimit = 8 })
	// The reseller owns 8 numbers: 6 in service, 2 reserved (2 and 5); even
	// ones are red.
	for i := 0; i < 8; i++ {
		st := models.StateInService
		if i%3 == 2 {
			st = models.StateReserved
		}
		color := "blue"
		if i%2 == 0 {
			color = "red"
		}
		k.MustCreate(t, k.Master, k.Reseller, num(i), st, models.Doc{"color": color})
	}
	k.MustCreate(t, k.Master, k.Child, num(50), "", nil) // the child's, not listed for the reseller
	k.MustCreateAvailable(t, []string{num(60)})          // nobody's

	list := func(t *testing.T, who *tenant, lq service.ListQuery) *service.NumberPage {
		t.Helper()
		p, err := k.Svc.ListNumbers(who.Ctx, k.Reseller.ID, lq)
		if err != nil {
			t.Fatalf("ListNumbers(%+v): %v", lq, err)
		}
		return p
	}
	keys := func(p *service.NumberPage) string {
		var s []string
		for _, n := range p.Numbers {
			s = append(s, n.Number)
		}
		return strings.Join(s, ",")
	}

	t.Run("All", func(t *testing.T) {
		p := list(t, k.Reseller, service.ListQuery{})
		if keys(p) != strings.Join(nums(0, 8), ",") || p.NextKey != "" {
			t.Errorf("listing %s next %q", keys(p), p.NextKey)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		var got []string
		start, pages := "", 0
		for {
			p := list(t, k.Reseller, service.ListQuery{Limit: 3, StartKey: start})
			pages++
			for _, n := range p.Numbers {
				got = append(got, n.Number)
			}
			if p.NextKey == "" {
				break
			}
			// The next key is the first number of the next page (inclusive).
			if p.NextKey != num(len(got)) {
				t.Fatalf("next key %q, want %q", p.NextKey, num(len(got)))
			}
			start = p.NextKey
		}
		if pages != 3 || strings.Join(got, ",") != strings.Join(nums(0, 8), ",") {
			t.Errorf("%d pages: %v", pages, got)
		}
	})
	t.Run("ExactPage", func(t *testing.T) {
		p := list(t, k.Reseller, service.ListQuery{Limit: 8})
		if len(p.Numbers) != 8 || p.NextKey != "" {
			t.Errorf("%d numbers next %q, want 8 and no next key", len(p.Numbers), p.NextKey)
		}
	})
	t.Run("States", func(t *testing.T) {
		p := list(t, k.Reseller, service.ListQuery{States: []models.State{models.StateReserved}})
		if keys(p) != num(2)+","+num(5) {
			t.Errorf("reserved: %s", keys(p))
		}
		p = list(t, k.Reseller, service.ListQuery{States: []models.State{models.StateReserved, models.StateInService}, Limit: 100})
		if len(p.Numbers) != 8 {
			t.Errorf("reserved+in_service: %d", len(p.Numbers))
		}
	})
	t.Run("DocFilters", func(t *testing.T) {
		red := models.DocFilter{Kind: models.FilterEq, Path: []string{"color"}, Values: []string{"red"}}
		p := list(t, k.Reseller, service.ListQuery{Doc: []models.DocFilter{red}})
		if keys(p) != strings.Join([]string{num(0), num(2), num(4), num(6)}, ",") {
			t.Errorf("red: %s", keys(p))
		}
		p = list(t, k.Reseller, service.ListQuery{Doc: []models.DocFilter{red}, Limit: 2})
		if keys(p) != num(0)+","+num(2) || p.NextKey != num(4) {
			t.Errorf("red page: %s next %q, want next = the next red number", keys(p), p.NextKey)
		}
		p = list(t, k.Reseller, service.ListQuery{Doc: []models.DocFilter{red}, Limit: 2, StartKey: p.NextKey})
		if keys(p) != num(4)+","+num(6) || p.NextKey != "" {
			t.Errorf("red page 2: %s next %q", keys(p), p.NextKey)
		}
		notRedReserved := []models.DocFilter{
			{Kind: models.FilterNe, Path: []string{"color"}, Values: []string{"red"}},
			{Kind: models.FilterEq, Path: []string{"pvt_state"}, Values: []string{"reserved"}},
		}
		if p := list(t, k.Reseller, service.ListQuery{Doc: notRedReserved}); keys(p) != num(5) {
			t.Errorf("blue reserved: %s", keys(p))
		}
		missing := models.DocFilter{Kind: models.FilterHasKey, Path: []string{"nope"}}
		if p := list(t, k.Reseller, service.ListQuery{Doc: []models.DocFilter{missing}}); len(p.Numbers) != 0 {
			t.Errorf("has_key nope: %s", keys(p))
		}
	})
	t.Run("UnpaginatedCap", func(t *testing.T) {
		if p := list(t, k.Reseller, service.ListQuery{}); len(p.Numbers) != 8 {
			t.Fatalf("at the cap: %d numbers", len(p.Numbers))
		}
		k.MustCreate(t, k.Master, k.Reseller, num(8), "", nil)
		_, err := k.Svc.ListNumbers(k.Reseller.Ctx, k.Reseller.ID, service.ListQuery{})
		if err != service.ErrListingTooLarge {
			t.Fatalf("over the cap: %v, want ErrListingTooLarge", err)
		}
		if p := list(t, k.Reseller, service.ListQuery{Limit: 100}); len(p.Numbers) != 9 {
			t.Errorf("paginated over the cap: %d", len(p.Numbers))
		}
	})
	t.Run("Isolation", func(t *testing.T) {
		_, err := k.Svc.ListNumbers(k.Unrelated.Ctx, k.Reseller.ID, service.ListQuery{})
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		_, err = k.Svc.ListNumbers(k.Child.Ctx, k.Reseller.ID, service.ListQuery{})
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		p, err := k.Svc.ListNumbers(k.Reseller.Ctx, k.Child.ID, service.ListQuery{Cascade: true})
		if err != nil || keys(p) != num(50) || p.Cascade != 1 {
			t.Errorf("reseller lists child: %v %v", p, err)
		}
		p = list(t, k.Master, service.ListQuery{Cascade: true, Limit: 1})
		if p.Cascade != 10 {
			t.Errorf("cascade count %d, want the reseller's 9 and the child's 1", p.Cascade)
		}
	})
}
