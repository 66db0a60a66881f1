package models

import (
	"sort"
	"strings"
)

// Features follow Kazoo 4.3's knm_providers (kazoo-number-manager.md §5):
// public keys a user sets (cnam, e911, failover, ...) become effective
// private features depending on the number's state, and only features
// available to the number and caller may be set.

// Feature groups from knm.hrl.
var (
	kazooFeatures     = []string{"failover", "force_outbound", "prepend", "ringback"}
	externalFeatures  = []string{"cnam", "inbound_cnam", "outbound_cnam", "e911", "port", "sms", "mms"}
	adminOnlyFeatures = []string{"carrier_name"}
	// AllFeatures is the union of the three groups.
	AllFeatures = append(append(append([]string{}, kazooFeatures...), externalFeatures...), adminOnlyFeatures...)
)

// featureFamily maps a feature (public key or private entry) to the provider
// that handles it.
func featureFamily(name string) string {
	switch name {
	case "cnam", "inbound_cnam", "outbound_cnam":
		return "cnam"
	}
	return name
}

// FeaturePolicy is the system configuration of features.
type FeaturePolicy struct {
	// Allow is number_manager.features.allow; empty means every feature
	// (Kazoo 4.3's code default).
	Allow []string
	// LocalFeatureOverride lets local numbers use external features.
	LocalFeatureOverride bool
}

func (n *Number) isLocal() bool {
	if IsLocalCarrier(n.Carrier) {
		return true
	}
	_, ok := n.Features["local"]
	return ok
}

// DeniedFeatures is Kazoo's denied list for this number and caller.
func DeniedFeatures(n *Number, a *Actor, p FeaturePolicy) []string {
	var denied []string
	switch {
	case len(n.FeaturesDenied) > 0:
		denied = append(denied, n.FeaturesDenied...)
	case !n.Assigned():
		denied = append(denied, externalFeatures...)
	case n.isLocal() && !p.LocalFeatureOverride:
		denied = append(denied, externalFeatures...)
	}
	if !a.IsAdmin() {
		denied = append(denied, adminOnlyFeatures...)
	}
	return denied
}

// AvailableFeatures is allowed − denied, sorted (_read_only.features.available).
// sms and mms need an IM service numberd does not run, so they are never
// available.
func AvailableFeatures(n *Number, a *Actor, p FeaturePolicy) []string {
	allowed := AllFeatures
	switch {
	case len(n.FeaturesAllowed) > 0:
		allowed = n.FeaturesAllowed
	case len(p.Allow) > 0:
		allowed = p.Allow
	}
	deny := map[string]bool{"sms": true, "mms": true}
	for _, d := range DeniedFeatures(n, a, p) {
		deny[cleanFeatureName(d)] = true
	}
	seen := map[string]bool{}
	out := []string{}
	for _, f := range allowed {
		f = cleanFeatureName(f)
		if deny[f] || seen[f] {
			continue
		}
		seen[f] = true
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// cleanFeatureName maps legacy names (knm_/wnm_ prefixes, provider names) to
// feature names.
func cleanFeatureName(f string) string {
	f = strings.TrimPrefix(strings.TrimPrefix(f, "knm_"), "wnm_")
	switch f {
	case "cnam_notifier", "telnyx_cnam", "vitelity_cnam":
		return "cnam"
	case "dash_e911", "telnyx_e911", "vitelity_e911":
		return "e911"
	case "port_notifier":
		return "port"
	}
	return f
}

// featureRootKeys are the public keys that trigger providers.
var featureRootKeys = map[string]bool{
	"cnam": true, "e911": true, "failover": true, "force_outbound": true, "port": true,
	"prepend": true, "carrier_name": true, "ringback": true, "sms": true, "mms": true,
}

func isKnownFeature(f string) bool {
	for _, k := range AllFeatures {
		if k == f {
			return true
		}
	}
	return false
}

// ApplyFeatures runs Kazoo's save-time feature pipeline on n (knm_providers
// save): rename the carrier if asked (admin only), refuse features not
// available to this number and caller (403 forbidden), then derive the
// private features from the public fields for the number's state. On error n
// may be partly changed; callers work on a clone.
func ApplyFeatures(n *Number, a *Actor, p FeaturePolicy) error {
	if n.Features == nil {
		n.Features = Doc{}
	}
	if n.Public == nil {
		n.Public = Doc{}
	}
	delete(n.Features, "im")
	if _, ok := n.Public["carrier_name"]; ok {
		if err := renameCarrier(n, a, p); err != nil {
			return err
		}
	}
	available := map[string]bool{}
	for _, f := range AvailableFeatures(n, a, p) {
		available[featureFamily(f)] = true
	}
	for _, fam := range requestedFamilies(n) {
		if fam == "sms" || fam == "mms" {
			continue // exempt in Kazoo
		}
		if !available[fam] {
			return ErrForbidden("")
		}
	}
	for _, fam := range requestedFamilies(n) {
		runProvider(n, fam)
	}
	syncLocalFeature(n)
	return nil
}

// requestedFamilies: public root keys that trigger providers plus existing
// private features (minus local), as provider families, sorted.
func requestedFamilies(n *Number) []string {
	set := map[string]bool{}
	for k := range n.Public {
		if featureRootKeys[k] {
			set[featureFamily(k)] = true
		}
	}
	for k := range n.Features {
		if k != "local" && isKnownFeature(k) {
			set[featureFamily(k)] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func renameCarrier(n *Number, a *Actor, p FeaturePolicy) error {
	if !a.IsAdmin() {
		return ErrForbidden("")
	}
	raw, _ := n.Public["carrier_name"].(string)
	name := strings.TrimPrefix(strings.TrimPrefix(raw, "knm_"), "wnm_")
	if name == "bandwidth" {
		name = "bandwidth2" // Kazoo's module-name migration
	}
	known := false
	for _, c := range KnownCarriers {
		if c == name {
			known = true
		}
	}
	if !known {
		return ErrInvalid("'" + raw + "' is not known by the system")
	}
	delete(n.Public, "carrier_name")
	n.Carrier = name
	syncLocalFeature(n)
	PruneDeniedFeatures(n, a, p)
	return nil
}

func syncLocalFeature(n *Number) {
	if IsLocalCarrier(n.Carrier) {
		n.Features["local"] = map[string]any{}
	} else {
		delete(n.Features, "local")
	}
}

// PruneDeniedFeatures removes every denied feature from the private features
// and the public fields (Kazoo's remove_denied_features, used by fix and by a
// carrier rename). It reports whether anything changed.
func PruneDeniedFeatures(n *Number, a *Actor, p FeaturePolicy) bool {
	changed := false
	del := func(d Doc, k string) {
		if _, ok := d[k]; ok {
			delete(d, k)
			changed = true
		}
	}
	for _, f := range DeniedFeatures(n, a, p) {
		f = cleanFeatureName(f)
		switch f {
		case "carrier_name":
			continue // an admin-only action, not a stored feature
		case "e911":
			for _, k := range []string{"e911", "dash_e911", "vitelity_e911", "telnyx_e911"} {
				del(n.Public, k)
				del(n.Features, k)
			}
		case "cnam", "inbound_cnam", "outbound_cnam":
			del(n.Public, "cnam")
			del(n.Features, "cnam")
			del(n.Features, "inbound_cnam")
			del(n.Features, "outbound_cnam")
		default:
			del(n.Public, f)
			del(n.Features, f)
		}
	}
	return changed
}

// runProvider derives the private feature(s) of one family from the public
// fields for the number's current state.
func runProvider(n *Number, fam string) {
	st := n.State
	provisioned := st == StateReserved || st == StateInService || st == StatePortIn
	switch fam {
	case "cnam":
		if !provisioned {
			return
		}
		c := n.Public.Object("cnam")
		delete(n.Features, "cnam")
		if name, _ := c["display_name"].(string); name != "" {
			n.Features["outbound_cnam"] = map[string]any{"display_name": name}
		} else {
			delete(n.Features, "outbound_cnam")
		}
		if b, _ := c["inbound_lookup"].(bool); b {
			n.Features["inbound_cnam"] = map[string]any{"inbound_lookup": true}
		} else {
			delete(n.Features, "inbound_cnam")
		}
	case "e911":
		if e := n.Public.Object("e911"); provisioned && len(e) > 0 {
			n.Features["e911"] = cloneValue(e)
		} else {
			delete(n.Features, "e911")
		}
	case "failover":
		if f := n.Public.Object("failover"); st == StateInService && len(f) > 0 {
			n.Features["failover"] = cloneValue(f)
		} else {
			delete(n.Features, "failover")
		}
	case "prepend":
		if pr := n.Public.Object("prepend"); st == StateInService && pr["enabled"] == true {
			n.Features["prepend"] = cloneValue(pr)
		} else {
			delete(n.Features, "prepend")
		}
	case "force_outbound":
		var v any
		switch x := n.Public["force_outbound"].(type) {
		case bool:
			v = x
		case string:
			if x == "true" || x == "false" {
				v = x == "true"
			}
		}
		if st == StateInService && v != nil {
			n.Features["force_outbound"] = v
		} else {
			delete(n.Features, "force_outbound")
		}
	case "port":
		if pt := n.Public.Object("port"); st == StatePortIn && len(pt) > 0 {
			n.Features["port"] = cloneValue(pt)
		} else {
			delete(n.Features, "port")
		}
	case "sms", "mms":
		delete(n.Features, fam) // needs an IM service numberd does not run
	}
	// ringback has no provider in Kazoo 4.3: stored publicly, never active.
}
