package models_test

import (
	"testing"

	"numberd/models"
)

// Features (kazoo-number-manager.md §5, knm_providers, knm_rename_carrier and
// knm_force_outbound tests).
//
// The fixtures are used by "trunkstore" unless said otherwise: Kazoo 4.3 also
// denies failover when used_by is not trunkstore (§5.2), which numberd does
// not implement; see the report. Using trunkstore keeps these tests true
// either way.

// featureNumber is an assigned, non-local number in the given state.
func featureNumber(state models.State, carrier string) *models.Number {
	n := &models.Number{
		Number:     "+14158867900",
		State:      state,
		AssignedTo: acctC.ID,
		Owner:      acctC,
		UsedBy:     "trunkstore",
		Carrier:    carrier,
		Features:   models.Doc{},
		Public:     models.Doc{},
	}
	if models.IsLocalCarrier(carrier) {
		n.Features["local"] = map[string]any{}
	}
	return n
}

var (
	adminActor    = &models.Actor{Account: acctAdmin}
	customerActor = &models.Actor{Account: acctC}
)

func TestAvailableFeatures(t *testing.T) {
	all := []string{"cnam", "e911", "failover", "force_outbound", "inbound_cnam", "outbound_cnam", "port", "prepend", "ringback"}
	kazooOnly := []string{"failover", "force_outbound", "prepend", "ringback"}
	withCarrierName := func(l []string) []string { return append([]string{"carrier_name"}, l...) }

	localFeatureOnly := featureNumber(sInService, "telnyx")
	localFeatureOnly.Features["local"] = map[string]any{}
	unassigned := featureNumber(sAvailable, "telnyx")
	unassigned.AssignedTo, unassigned.Owner = "", models.AccountRef{}
	with := func(f func(n *models.Number)) *models.Number {
		n := featureNumber(sInService, "telnyx")
		f(n)
		return n
	}

	cases := []struct {
		name   string
		n      *models.Number
		actor  *models.Actor
		policy models.FeaturePolicy
		want   []string
	}{
		{"assigned non-local/customer", featureNumber(sInService, "telnyx"), customerActor, models.FeaturePolicy{}, all},
		{"assigned non-local/admin sees carrier_name", featureNumber(sInService, "telnyx"), adminActor, models.FeaturePolicy{}, withCarrierName(all)},
		{"nil actor is not admin", featureNumber(sInService, "telnyx"), nil, models.FeaturePolicy{}, all},
		{"local carrier", featureNumber(sInService, models.CarrierLocal), customerActor, models.FeaturePolicy{}, kazooOnly},
		{"mdn carrier", featureNumber(sInService, models.CarrierMDN), customerActor, models.FeaturePolicy{}, kazooOnly},
		{"local feature on another carrier", localFeatureOnly, customerActor, models.FeaturePolicy{}, kazooOnly},
		{"local/admin", featureNumber(sInService, models.CarrierLocal), adminActor, models.FeaturePolicy{}, withCarrierName(kazooOnly)},
		{"local/local_feature_override", featureNumber(sInService, models.CarrierLocal), customerActor, models.FeaturePolicy{LocalFeatureOverride: true}, all},
		{"unassigned", unassigned, customerActor, models.FeaturePolicy{}, kazooOnly},
		{"unassigned/admin", unassigned, adminActor, models.FeaturePolicy{}, withCarrierName(kazooOnly)},
		{"unassigned/override does not help", unassigned, customerActor, models.FeaturePolicy{LocalFeatureOverride: true}, kazooOnly},
		{"system allow list", featureNumber(sInService, "telnyx"), customerActor,
			models.FeaturePolicy{Allow: []string{"prepend", "failover", "cnam"}}, []string{"cnam", "failover", "prepend"}},
		{"system allow list without carrier_name/admin", featureNumber(sInService, "telnyx"), adminActor,
			models.FeaturePolicy{Allow: []string{"prepend"}}, []string{"prepend"}},
		{"number allow list wins over system", with(func(n *models.Number) {
			n.FeaturesAllowed = models.StringList{"ringback", "knm_dash_e911", "cnam_notifier", "sms", "wnm_prepend", "prepend"}
		}), customerActor, models.FeaturePolicy{Allow: []string{"failover"}}, []string{"cnam", "e911", "prepend", "ringback"}},
		{"number allow list/denied still removed", with(func(n *models.Number) {
			n.Carrier, n.Features = models.CarrierLocal, models.Doc{"local": map[string]any{}}
			n.FeaturesAllowed = models.StringList{"e911", "prepend"}
		}), customerActor, models.FeaturePolicy{}, []string{"prepend"}},
		{"number deny list", with(func(n *models.Number) {
			n.FeaturesDenied = models.StringList{"e911", "knm_prepend"}
		}), customerActor, models.FeaturePolicy{}, []string{"cnam", "failover", "force_outbound", "inbound_cnam", "outbound_cnam", "port", "ringback"}},
		{"number deny list replaces the local denial", with(func(n *models.Number) {
			n.Carrier, n.Features = models.CarrierLocal, models.Doc{"local": map[string]any{}}
			n.FeaturesDenied = models.StringList{"telnyx_e911"}
		}), customerActor, models.FeaturePolicy{}, []string{"cnam", "failover", "force_outbound", "inbound_cnam", "outbound_cnam", "port", "prepend", "ringback"}},
		{"number deny list replaces the unassigned denial", func() *models.Number {
			n := featureNumber(sAvailable, "telnyx")
			n.AssignedTo, n.Owner = "", models.AccountRef{}
			n.FeaturesDenied = models.StringList{"port_notifier"}
			return n
		}(), customerActor, models.FeaturePolicy{}, []string{"cnam", "e911", "failover", "force_outbound", "inbound_cnam", "outbound_cnam", "prepend", "ringback"}},
		{"number deny list/carrier_name still admin-only", with(func(n *models.Number) {
			n.FeaturesDenied = models.StringList{"e911"}
		}), customerActor, models.FeaturePolicy{Allow: []string{"carrier_name", "e911", "prepend"}}, []string{"prepend"}},
		{"sms and mms never available", with(func(n *models.Number) {
			n.FeaturesAllowed = models.StringList{"sms", "mms", "prepend"}
		}), adminActor, models.FeaturePolicy{}, []string{"prepend"}},
		{"nothing left", with(func(n *models.Number) {
			n.FeaturesAllowed = models.StringList{"sms", "carrier_name"}
		}), customerActor, models.FeaturePolicy{}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := models.AvailableFeatures(tc.n, tc.actor, tc.policy)
			mustEqual(t, "available", got, tc.want)
		})
	}
}

func TestDeniedFeatures(t *testing.T) {
	contains := func(l []string, s string) bool {
		for _, v := range l {
			if v == s {
				return true
			}
		}
		return false
	}
	d := models.DeniedFeatures(featureNumber(sInService, "telnyx"), customerActor, models.FeaturePolicy{})
	mustEqual(t, "non-admin denied", d, []string{"carrier_name"})
	d = models.DeniedFeatures(featureNumber(sInService, "telnyx"), adminActor, models.FeaturePolicy{})
	if len(d) != 0 {
		t.Fatalf("admin denied = %v, want none", d)
	}
	d = models.DeniedFeatures(featureNumber(sInService, models.CarrierLocal), adminActor, models.FeaturePolicy{})
	for _, f := range []string{"cnam", "inbound_cnam", "outbound_cnam", "e911", "port", "sms", "mms"} {
		if !contains(d, f) {
			t.Errorf("local denied %v lacks %s", d, f)
		}
	}
}

func TestApplyFeatures(t *testing.T) {
	e911 := func() map[string]any {
		return map[string]any{"street_address": "140 Main St", "locality": "San Francisco", "region": "CA", "postal_code": "94105"}
	}
	cases := []struct {
		name    string
		n       func() *models.Number
		actor   *models.Actor
		policy  models.FeaturePolicy
		reason  string // expected error reason, "" for success
		cause   string
		check   func(t *testing.T, n *models.Number)
		feature models.Doc // expected private features on success (nil: not checked)
	}{
		{
			name: "e911 on a local number is forbidden",
			n: func() *models.Number {
				n := featureNumber(sInService, models.CarrierLocal)
				n.Public["e911"] = e911()
				return n
			},
			actor: customerActor, reason: models.ReasonForbidden,
		},
		{
			name: "e911 on a local number is forbidden for an admin too",
			n: func() *models.Number {
				n := featureNumber(sInService, models.CarrierLocal)
				n.Public["e911"] = e911()
				return n
			},
			actor: adminActor, reason: models.ReasonForbidden,
		},
		{
			name: "e911 on a local number with local_feature_override",
			n: func() *models.Number {
				n := featureNumber(sInService, models.CarrierLocal)
				n.Public["e911"] = e911()
				return n
			},
			actor: customerActor, policy: models.FeaturePolicy{LocalFeatureOverride: true},
			feature: models.Doc{"local": map[string]any{}, "e911": e911()},
		},
		{
			name: "e911 denied on the number (BW_EXISTING)",
			n: func() *models.Number {
				n := featureNumber(sInService, "bandwidth2")
				n.FeaturesDenied = models.StringList{"e911"}
				n.Public["e911"] = e911()
				return n
			},
			actor: customerActor, reason: models.ReasonForbidden,
		},
		{
			name: "e911 on an unassigned number is forbidden",
			n: func() *models.Number {
				n := featureNumber(sAvailable, "telnyx")
				n.AssignedTo, n.Owner = "", models.AccountRef{}
				n.Public["e911"] = e911()
				return n
			},
			actor: adminActor, reason: models.ReasonForbidden,
		},
		{
			name: "an existing denied private feature is a request too",
			n: func() *models.Number {
				n := featureNumber(sInService, models.CarrierLocal)
				n.Features["outbound_cnam"] = map[string]any{"display_name": "x"}
				return n
			},
			actor: customerActor, reason: models.ReasonForbidden,
		},
		{
			name: "e911 in_service",
			n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["e911"] = e911()
				return n
			},
			actor: customerActor, feature: models.Doc{"e911": e911()},
		},
		{
			name: "e911 reserved", n: func() *models.Number {
				n := featureNumber(sReserved, "telnyx")
				n.Public["e911"] = e911()
				return n
			},
			actor: customerActor, feature: models.Doc{"e911": e911()},
		},
		{
			name: "e911 port_in", n: func() *models.Number {
				n := featureNumber(sPortIn, "telnyx")
				n.Public["e911"] = e911()
				return n
			},
			actor: customerActor, feature: models.Doc{"e911": e911()},
		},
		{
			name: "e911 removed in aging", n: func() *models.Number {
				n := featureNumber(sAging, "telnyx")
				n.Public["e911"] = e911()
				n.Features["e911"] = e911()
				return n
			},
			actor: customerActor, feature: models.Doc{},
			check: func(t *testing.T, n *models.Number) {
				mustEqual(t, "public e911 kept", n.Public["e911"], e911())
			},
		},
		{
			name: "e911 removed in port_out", n: func() *models.Number {
				n := featureNumber(sPortOut, "telnyx")
				n.Public["e911"] = e911()
				n.Features["e911"] = e911()
				return n
			},
			actor: customerActor, feature: models.Doc{},
		},
		{
			name: "empty public e911 removes the feature", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["e911"] = map[string]any{}
				n.Features["e911"] = e911()
				return n
			},
			actor: customerActor, feature: models.Doc{},
		},
		{
			name: "cnam on a non-local in_service number", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["cnam"] = map[string]any{"display_name": "my CNAM", "inbound_lookup": true}
				n.Features["cnam"] = map[string]any{"legacy": true}
				return n
			},
			actor: customerActor,
			feature: models.Doc{
				"outbound_cnam": map[string]any{"display_name": "my CNAM"},
				"inbound_cnam":  map[string]any{"inbound_lookup": true},
			},
			check: func(t *testing.T, n *models.Number) {
				mustEqual(t, "public cnam kept", n.Public["cnam"], map[string]any{"display_name": "my CNAM", "inbound_lookup": true})
			},
		},
		{
			name: "cnam outbound only", n: func() *models.Number {
				n := featureNumber(sReserved, "telnyx")
				n.Public["cnam"] = map[string]any{"display_name": "Foo", "inbound_lookup": false}
				n.Features["inbound_cnam"] = map[string]any{"inbound_lookup": true}
				return n
			},
			actor:   customerActor,
			feature: models.Doc{"outbound_cnam": map[string]any{"display_name": "Foo"}},
		},
		{
			name: "cnam switched off removes both", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["cnam"] = map[string]any{"inbound_lookup": false}
				n.Features["inbound_cnam"] = map[string]any{"inbound_lookup": true}
				n.Features["outbound_cnam"] = map[string]any{"display_name": "my CNAM"}
				return n
			},
			actor: customerActor, feature: models.Doc{},
		},
		{
			name: "cnam outside reserved/in_service/port_in leaves features untouched", n: func() *models.Number {
				n := featureNumber(sAging, "telnyx")
				n.Public["cnam"] = map[string]any{"display_name": "New"}
				n.Features["outbound_cnam"] = map[string]any{"display_name": "Old"}
				return n
			},
			actor: customerActor, feature: models.Doc{"outbound_cnam": map[string]any{"display_name": "Old"}},
		},
		{
			name: "failover in_service", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["failover"] = map[string]any{"e164": "+14158867901"}
				return n
			},
			actor: customerActor, feature: models.Doc{"failover": map[string]any{"e164": "+14158867901"}},
		},
		{
			name: "failover reserved is removed", n: func() *models.Number {
				n := featureNumber(sReserved, "telnyx")
				n.Public["failover"] = map[string]any{"sip": "sip:x@y"}
				n.Features["failover"] = map[string]any{"sip": "sip:x@y"}
				return n
			},
			actor: customerActor, feature: models.Doc{},
		},
		{
			name: "prepend enabled in_service", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["prepend"] = map[string]any{"enabled": true, "name": "Sales"}
				return n
			},
			actor: customerActor, feature: models.Doc{"prepend": map[string]any{"enabled": true, "name": "Sales"}},
		},
		{
			name: "prepend disabled", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["prepend"] = map[string]any{"enabled": false, "name": "Sales"}
				n.Features["prepend"] = map[string]any{"enabled": true, "name": "Sales"}
				return n
			},
			actor: customerActor, feature: models.Doc{},
		},
		{
			name: "prepend port_in is removed", n: func() *models.Number {
				n := featureNumber(sPortIn, "telnyx")
				n.Public["prepend"] = map[string]any{"enabled": true}
				return n
			},
			actor: customerActor, feature: models.Doc{},
		},
		{
			name: "port in port_in", n: func() *models.Number {
				n := featureNumber(sPortIn, "telnyx")
				n.Public["port"] = map[string]any{"port_id": "p1"}
				return n
			},
			actor: customerActor, feature: models.Doc{"port": map[string]any{"port_id": "p1"}},
		},
		{
			name: "sms requested is exempt but never active", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["sms"] = map[string]any{"enabled": true}
				n.Features["sms"] = map[string]any{"enabled": true}
				return n
			},
			actor: customerActor, feature: models.Doc{},
		},
		{
			name: "sms on a local number is exempt", n: func() *models.Number {
				n := featureNumber(sInService, models.CarrierLocal)
				n.Public["mms"] = map[string]any{"enabled": true}
				return n
			},
			actor: customerActor, feature: models.Doc{"local": map[string]any{}},
		},
		{
			name: "im is dropped", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Features["im"] = map[string]any{}
				return n
			},
			actor: customerActor, feature: models.Doc{},
		},
		{
			name: "nil features and public", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Features, n.Public = nil, nil
				return n
			},
			actor: customerActor, feature: models.Doc{},
		},
		{
			name: "unknown public keys are not features", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["my_key"] = "x"
				n.Features["custom"] = "y"
				return n
			},
			actor: customerActor, feature: models.Doc{"custom": "y"},
		},
		// carrier_name (knm_rename_carrier_tests).
		{
			name: "carrier_name/non-admin is forbidden", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["carrier_name"] = "local"
				return n
			},
			actor: customerActor, reason: models.ReasonForbidden,
		},
		{
			name: "carrier_name/unknown carrier", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["carrier_name"] = "blabla"
				return n
			},
			actor: adminActor, reason: models.ReasonInvalid, cause: "'blabla' is not known by the system",
		},
		{
			name: "carrier_name/local to telnyx removes the local feature", n: func() *models.Number {
				n := featureNumber(sInService, models.CarrierLocal)
				n.Public["carrier_name"] = "telnyx"
				return n
			},
			actor: adminActor, feature: models.Doc{},
			check: func(t *testing.T, n *models.Number) {
				mustEqual(t, "carrier", n.Carrier, "telnyx")
				if _, ok := n.Public["carrier_name"]; ok {
					t.Fatal("carrier_name still in the public fields")
				}
			},
		},
		{
			name: "carrier_name/knm_local adds local and prunes external features", n: func() *models.Number {
				n := featureNumber(sInService, "vitelity")
				n.Public["carrier_name"] = "knm_local"
				n.Public["cnam"] = map[string]any{"display_name": "Foo", "inbound_lookup": true}
				n.Public["prepend"] = map[string]any{"enabled": true, "name": "P"}
				n.Features["inbound_cnam"] = map[string]any{"inbound_lookup": true}
				n.Features["outbound_cnam"] = map[string]any{"display_name": "Foo"}
				n.Features["prepend"] = map[string]any{"enabled": true, "name": "P"}
				return n
			},
			actor:   adminActor,
			feature: models.Doc{"local": map[string]any{}, "prepend": map[string]any{"enabled": true, "name": "P"}},
			check: func(t *testing.T, n *models.Number) {
				mustEqual(t, "carrier", n.Carrier, models.CarrierLocal)
				mustEqual(t, "public", n.Public, models.Doc{"prepend": map[string]any{"enabled": true, "name": "P"}})
			},
		},
		{
			name: "carrier_name/bandwidth becomes bandwidth2, cnam and prepend kept", n: func() *models.Number {
				n := featureNumber(sInService, "vitelity")
				n.Public["carrier_name"] = "bandwidth"
				n.Public["cnam"] = map[string]any{"display_name": "Foo"}
				n.Public["prepend"] = map[string]any{"enabled": true}
				return n
			},
			actor: adminActor,
			feature: models.Doc{
				"outbound_cnam": map[string]any{"display_name": "Foo"},
				"prepend":       map[string]any{"enabled": true},
			},
			check: func(t *testing.T, n *models.Number) {
				mustEqual(t, "carrier", n.Carrier, "bandwidth2")
				mustEqual(t, "public", n.Public, models.Doc{"cnam": map[string]any{"display_name": "Foo"}, "prepend": map[string]any{"enabled": true}})
			},
		},
		{
			name: "carrier_name/wnm_ prefix stripped", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["carrier_name"] = "wnm_inventory"
				return n
			},
			actor: adminActor, feature: models.Doc{},
			check: func(t *testing.T, n *models.Number) { mustEqual(t, "carrier", n.Carrier, "inventory") },
		},
		{
			name: "carrier_name/mdn is local too", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Public["carrier_name"] = "mdn"
				return n
			},
			actor: adminActor, feature: models.Doc{"local": map[string]any{}},
			check: func(t *testing.T, n *models.Number) { mustEqual(t, "carrier", n.Carrier, models.CarrierMDN) },
		},
		{
			name: "local feature follows the carrier", n: func() *models.Number {
				n := featureNumber(sInService, "telnyx")
				n.Carrier = models.CarrierLocal // carrier changed elsewhere
				return n
			},
			actor: customerActor, feature: models.Doc{"local": map[string]any{}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.n()
			err := models.ApplyFeatures(n, tc.actor, tc.policy)
			if tc.reason != "" {
				wantErr(t, err, tc.reason, tc.cause)
				return
			}
			mustNoErr(t, err)
			if tc.feature != nil {
				mustEqual(t, "features", n.Features, tc.feature)
			}
			if tc.check != nil {
				tc.check(t, n)
			}
		})
	}
}

// knm_force_outbound_tests feature lifecycle on an in_service number.
func TestApplyFeaturesForceOutbound(t *testing.T) {
	const absent = "absent"
	cases := []struct {
		name   string
		state  models.State
		public any // absent: no public key
		want   any // absent: no private feature
	}{
		{"absent", sInService, absent, absent},
		{"true", sInService, true, true},
		{"string blabla", sInService, "blabla", absent},
		{"string false", sInService, "false", false},
		{"string true", sInService, "true", true},
		{"false", sInService, false, false},
		{"number is not a boolean", sInService, 1, absent},
		{"reserved", sReserved, true, absent},
		{"port_in", sPortIn, true, absent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := featureNumber(tc.state, "telnyx")
			n.Features["force_outbound"] = true // a previous value is replaced or removed
			if tc.public != absent {
				n.Public["force_outbound"] = tc.public
			}
			mustNoErr(t, models.ApplyFeatures(n, customerActor, models.FeaturePolicy{}))
			got, ok := n.Features["force_outbound"]
			if tc.want == absent {
				if ok {
					t.Fatalf("force_outbound = %#v, want absent", got)
				}
				return
			}
			mustEqual(t, "force_outbound", got, tc.want)
			// Applying again changes nothing.
			snapshot := n.Clone()
			mustNoErr(t, models.ApplyFeatures(n, customerActor, models.FeaturePolicy{}))
			mustEqual(t, "features after re-apply", n.Features, snapshot.Features)
		})
	}
}

func TestPruneDeniedFeatures(t *testing.T) {
	t.Run("local number loses external features", func(t *testing.T) {
		n := featureNumber(sInService, models.CarrierLocal)
		n.Public = models.Doc{
			"cnam":         map[string]any{"display_name": "Foo"},
			"e911":         map[string]any{"locality": "x"},
			"dash_e911":    map[string]any{"locality": "x"},
			"port":         map[string]any{"port_id": "p"},
			"prepend":      map[string]any{"enabled": true},
			"carrier_name": "telnyx",
			"my_key":       "kept",
		}
		n.Features = models.Doc{
			"local":         map[string]any{},
			"cnam":          map[string]any{},
			"inbound_cnam":  map[string]any{"inbound_lookup": true},
			"outbound_cnam": map[string]any{"display_name": "Foo"},
			"e911":          map[string]any{"locality": "x"},
			"telnyx_e911":   map[string]any{},
			"prepend":       map[string]any{"enabled": true},
		}
		if !models.PruneDeniedFeatures(n, customerActor, models.FeaturePolicy{}) {
			t.Fatal("PruneDeniedFeatures reported no change")
		}
		mustEqual(t, "public", n.Public, models.Doc{
			"prepend":      map[string]any{"enabled": true},
			"carrier_name": "telnyx", // admin-only action, not a stored feature
			"my_key":       "kept",
		})
		mustEqual(t, "features", n.Features, models.Doc{
			"local":   map[string]any{},
			"prepend": map[string]any{"enabled": true},
		})
		if models.PruneDeniedFeatures(n, customerActor, models.FeaturePolicy{}) {
			t.Fatal("second prune reported a change")
		}
	})
	t.Run("number deny list", func(t *testing.T) {
		n := featureNumber(sInService, "telnyx")
		n.FeaturesDenied = models.StringList{"failover"}
		n.Public = models.Doc{"failover": map[string]any{"e164": "+1"}, "cnam": map[string]any{"display_name": "x"}}
		n.Features = models.Doc{"failover": map[string]any{"e164": "+1"}, "outbound_cnam": map[string]any{"display_name": "x"}}
		if !models.PruneDeniedFeatures(n, customerActor, models.FeaturePolicy{}) {
			t.Fatal("no change reported")
		}
		mustEqual(t, "public", n.Public, models.Doc{"cnam": map[string]any{"display_name": "x"}})
		mustEqual(t, "features", n.Features, models.Doc{"outbound_cnam": map[string]any{"display_name": "x"}})
	})
	t.Run("nothing denied", func(t *testing.T) {
		n := featureNumber(sInService, "telnyx")
		n.Public = models.Doc{"cnam": map[string]any{"display_name": "x"}}
		if models.PruneDeniedFeatures(n, adminActor, models.FeaturePolicy{}) {
			t.Fatal("change reported")
		}
	})
}

func TestFeatureNames(t *testing.T) {
	n := &models.Number{Features: models.Doc{"prepend": 1, "e911": 2, "local": 3}}
	mustEqual(t, "names", n.FeatureNames(), []string{"e911", "local", "prepend"})
	mustEqual(t, "empty", (&models.Number{}).FeatureNames(), []string{})
}
