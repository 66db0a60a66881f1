package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"numberd/models"
	"numberd/service"
)

// Handlers of discovery and number intelligence: search, prefix?city=,
// check, locality, carriers_info, classifiers, identify, fix
// (kazoo-crossbar-phone-numbers.md §5.3–§5.11).

// GET /v2/phone_numbers?prefix=&quantity=&offset=&country=[&reseller_id=]
// and GET /v2/accounts/{account}/phone_numbers?prefix=...
func (h *Handler) searchNumbers(r *request) (*reply, error) {
	q := r.URL.Query()
	res, err := h.svc.SearchNumbers(r.ctx(), service.SearchInput{
		AccountID: r.account(), ResellerID: q.Get("reseller_id"), Prefix: queryNumber(q.Get("prefix")),
		Country: q.Get("country"), Quantity: q.Get("quantity"), Offset: q.Get("offset"),
	})
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(res))
	for _, f := range res {
		e := map[string]any{"number": f.Number, "state": string(f.State)}
		if f.Classifier != nil {
			e["classification"] = f.Classifier.Name
		}
		if f.Locality.Status == "success" {
			e["locality"] = localityEntry(f.Locality, false)
		}
		out = append(out, e)
	}
	return ok(out)
}

// GET /v2/phone_numbers/prefix?city= and GET .../phone_numbers/prefix?city=
func (h *Handler) prefixByCity(r *request) (*reply, error) {
	typed, raw, err := h.svc.PrefixesForCity(r.ctx(), r.account(), r.query("city"))
	if err != nil {
		return nil, err
	}
	if raw != nil {
		return ok(raw)
	}
	out := map[string]any{}
	for _, c := range typed {
		out[c.Locality] = c.Prefixes
	}
	return ok(out)
}

// POST .../phone_numbers/check {"data":{"numbers":[...]}}
func (h *Handler) checkNumbers(r *request) (*reply, error) {
	nums, err := r.numbersList()
	if err != nil {
		return nil, err
	}
	res, err := h.svc.CheckNumbers(r.ctx(), r.account(), nums)
	if err != nil {
		return nil, err
	}
	return ok(res)
}

// POST .../phone_numbers/locality {"data":{"numbers":[...]}}
func (h *Handler) locality(r *request) (*reply, error) {
	nums, err := r.numbersList()
	if err != nil {
		return nil, err
	}
	res, err := h.svc.Locality(r.ctx(), r.account(), nums)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, l := range res {
		if l.Raw != nil {
			out[l.Number] = l.Raw
			continue
		}
		key := l.E164
		if !models.Reconcilable(key) {
			key = l.Number
		}
		out[key] = localityEntry(l, true)
	}
	return ok(out)
}

// localityEntry is Kazoo's per-number locality object (the phonebook's
// shape, §5.6) built from embedded data, plus time_zones and number_type.
// Unknown values are null, as the phonebook sends them.
func localityEntry(l models.Locality, withStatus bool) map[string]any {
	if l.Raw != nil {
		return l.Raw
	}
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	kind := map[string]string{"MOBILE": "WIRELESS", "FIXED_LINE": "LANDLINE", "VOIP": "VOIP", "TOLL_FREE": "TOLL_FREE"}[l.NumberType]
	if kind == "" {
		kind = l.NumberType
	}
	tz := l.TimeZones
	if tz == nil {
		tz = []string{}
	}
	e := map[string]any{
		"number":      l.Number,
		"e164_number": l.E164,
		"carrier":     map[string]any{"company": orNil(l.Carrier), "dba": orNil(l.Carrier), "id": nil, "type": orNil(kind)},
		"geocode":     map[string]any{"locality": orNil(firstNonEmpty(l.RegionName, l.Description))},
		"locality": map[string]any{
			"alt_postal_codes": []string{}, "extended_postal_code": nil, "latitude": nil, "longitude": nil,
			"locality": orNil(l.City), "postal_code": nil, "province": orNil(l.Region), "switch": nil, "type": orNil(kind),
		},
		"time_zones": tz,
	}
	// Top-level strings are left out rather than null when unknown.
	if l.Country != "" {
		e["country"] = l.Country
	}
	if l.NumberType != "" {
		e["number_type"] = l.NumberType
	}
	if withStatus {
		e["status"] = l.Status
	}
	return e
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// GET .../phone_numbers/carriers_info[?reseller_id=]
func (h *Handler) carriersInfo(r *request) (*reply, error) {
	info, err := h.svc.CarriersInfo(r.ctx(), r.account(), r.query("reseller_id"))
	if err != nil {
		return nil, err
	}
	states := make([]string, len(info.UsableCreationStates))
	for i, s := range info.UsableCreationStates {
		states[i] = string(s)
	}
	return ok(map[string]any{
		"maximal_prefix_length":  info.MaximalPrefixLength,
		"usable_carriers":        info.UsableCarriers,
		"usable_creation_states": states,
	})
}

// classifierJSON is one classifier's object (§2.4).
func classifierJSON(c *models.Classifier) orderedObject {
	o := orderedObject{{"regex", c.Regex}, {"friendly_name", c.FriendlyName}}
	if c.PrettyPrint != "" {
		o = append(o, kv{"pretty_print", c.PrettyPrint})
	}
	if c.Emergency {
		o = append(o, kv{"emergency", true})
	}
	return o
}

// GET .../phone_numbers/classifiers: name → classifier, in evaluation
// order (the key order of the object).
func (h *Handler) classifiers(r *request) (*reply, error) {
	list, err := h.svc.Classifiers(r.ctx(), r.account())
	if err != nil {
		return nil, err
	}
	out := make(orderedObject, 0, len(list))
	for _, c := range list {
		out = append(out, kv{c.Name, classifierJSON(c)})
	}
	return ok(out)
}

// GET .../phone_numbers/{first}/{second}: classifiers/{N} or {N}/identify
// (one pattern, because ServeMux rejects the pair as ambiguous). Other
// two-segment GETs are the PUT/POST-only sub-resources (405) or unknown.
func (h *Handler) getTwoSegments(r *request) (*reply, error) {
	first, second := pathNumber(r, "first"), r.PathValue("second")
	switch {
	case first == "classifiers":
		return h.classifyNumber(r, pathNumber(r, "second"))
	case first == "fix":
		r.allow = "POST"
		return nil, errInvalidMethod()
	case first == "collection" && second == "activate",
		second == "activate" || second == "reserve" || second == "port":
		r.allow = "PUT"
		return nil, errInvalidMethod()
	case second == "identify":
		if _, literal := literalMethods[first]; literal {
			return nil, errPathNotFound()
		}
		return h.identify(r, first)
	}
	return nil, errPathNotFound()
}

// allowedMethods corrects the mux's Allow list for two-segment
// .../phone_numbers/{a}/{b} paths: the GET {first}/{second} dispatcher
// matches all of them, but only classifiers/{N} and {N}/identify really
// answer GET. Without a method left, the path is unknown (404).
func allowedMethods(path, allow string) string {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	if len(seg) != 6 || seg[0] != "v2" || seg[1] != "accounts" || seg[3] != "phone_numbers" {
		return allow
	}
	first, second := seg[4], seg[5]
	if _, literal := literalMethods[first]; first == "classifiers" || (second == "identify" && !literal) {
		return allow
	}
	var keep []string
	for _, m := range strings.Split(allow, ",") {
		if m = strings.TrimSpace(m); m != "" && m != http.MethodGet && m != http.MethodHead {
			keep = append(keep, m)
		}
	}
	return strings.Join(keep, ", ")
}

// GET .../phone_numbers/classifiers/{N}
func (h *Handler) classifyNumber(r *request, raw string) (*reply, error) {
	c, err := h.svc.ClassifyNumber(r.ctx(), r.account(), raw)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"number": c.Number, "e164": c.E164}
	if c.Classifier != nil {
		for _, f := range classifierJSON(c.Classifier) {
			out[f.k] = f.v
		}
		out["name"] = c.Classifier.Name
	}
	return ok(out)
}

// GET .../phone_numbers/{N}/identify
func (h *Handler) identify(r *request, raw string) (*reply, error) {
	id, err := h.svc.IdentifyNumber(r.ctx(), r.account(), raw)
	if err != nil {
		return nil, err
	}
	return ok(map[string]any{"account_id": id.AccountID, "number": id.Number})
}

// POST .../phone_numbers/fix: repair, then answer the listing.
func (h *Handler) fixNumbers(r *request) (*reply, error) {
	if _, err := h.svc.FixNumbers(r.ctx(), r.account()); err != nil {
		return nil, err
	}
	return h.listing(r)
}

// POST .../phone_numbers/fix/{N}: repair one number, answer it.
func (h *Handler) fixNumber(r *request) (*reply, error) {
	n, _, err := h.svc.FixNumber(r.ctx(), r.account(), pathNumber(r, "number"))
	if err != nil {
		return nil, err
	}
	return ok(h.numberJSON(r.ctx(), n))
}

// orderedObject is a JSON object whose keys keep their order (Kazoo's
// classifiers object: key order is evaluation order).
type orderedObject []kv

type kv struct {
	k string
	v any
}

// MarshalJSON writes the pairs in order.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		var vb bytes.Buffer
		enc := json.NewEncoder(&vb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p.v); err != nil {
			return nil, err
		}
		b.Write(bytes.TrimRight(vb.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
