package rest

import (
	"context"

	"numberd/models"
	"numberd/service"
)

// Wire shapes of the Kazoo API. They are built explicitly here, never by
// marshalling storage structs, so the wire format cannot drift with the
// schema.

// numberJSON is the single-number object of Kazoo 4.3 (decisions.md 2): the
// public fields, id, state, used_by, features, and _read_only.
func (h *Handler) numberJSON(ctx context.Context, n *models.Number) map[string]any {
	out := map[string]any(n.Public.Clone())
	out["id"] = n.Number
	out["state"] = string(n.State)
	if n.UsedBy != "" {
		out["used_by"] = n.UsedBy
	}
	if f := n.FeatureNames(); len(f) > 0 {
		out["features"] = f
	}
	ro := map[string]any{
		"created":  models.Gregorian(n.CreatedAt),
		"modified": models.Gregorian(n.UpdatedAt),
		"state":    string(n.State),
		"features": map[string]any{
			"available": h.svc.AvailableFeatures(ctx, n),
			"settings":  map[string]any{},
		},
		"carrier_module": n.Carrier,
	}
	if n.UsedBy != "" {
		ro["used_by"] = n.UsedBy
	}
	out["_read_only"] = ro
	return out
}

// listingEntry is one number of GET /accounts/{A}/phone_numbers.
func (h *Handler) listingEntry(ctx context.Context, n *models.Number) map[string]any {
	e := map[string]any{
		"assigned_to":        n.AssignedTo,
		"created":            models.Gregorian(n.CreatedAt),
		"updated":            models.Gregorian(n.UpdatedAt),
		"state":              string(n.State),
		"features":           n.FeatureNames(),
		"features_allowed":   nonNil(n.FeaturesAllowed),
		"features_denied":    nonNil(n.FeaturesDenied),
		"features_available": h.svc.AvailableFeatures(ctx, n),
	}
	if n.UsedBy != "" {
		e["used_by"] = n.UsedBy
	}
	return e
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// collectionJSON splits batch results into Kazoo's {"success": {...},
// "error": {...}}, leaving out an empty half (decisions.md 3).
func (h *Handler) collectionJSON(ctx context.Context, res []service.Result) map[string]any {
	succ, fail := map[string]any{}, map[string]any{}
	for _, r := range res {
		if r.Err != nil {
			fail[r.Key] = itemError(r.Err)
		} else {
			succ[r.Key] = h.numberJSON(ctx, r.Number)
		}
	}
	out := map[string]any{}
	if len(succ) > 0 {
		out["success"] = succ
	}
	if len(fail) > 0 {
		out["error"] = fail
	}
	return out
}

// accountJSON is the account object (public fields plus the flags Crossbar
// leaks from private fields).
func accountJSON(a *models.Account) map[string]any {
	out := map[string]any{
		"id":                  a.ID,
		"name":                a.Name,
		"enabled":             a.Enabled,
		"reseller":            a.Reseller,
		"is_reseller":         a.Reseller,
		"superduper_admin":    a.SuperduperAdmin,
		"wnm_allow_additions": a.AllowAdditions,
		"tree":                a.Tree(),
		"created":             models.Gregorian(a.CreatedAt),
		"modified":            models.Gregorian(a.UpdatedAt),
	}
	if a.ParentID != "" {
		out["parent_id"] = a.ParentID
	}
	// numberd's discovery settings appear only when set, so Kazoo-shaped
	// account objects stay as they were.
	if len(a.CarrierModules) > 0 {
		out["carrier_modules"] = []string(a.CarrierModules)
	}
	if a.NumbersLookup {
		out["unauthorized_numbers_lookup"] = true
	}
	return out
}
