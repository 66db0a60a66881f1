package rest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"numberd/models"
	"numberd/service"
)

// literalMethods are the words Crossbar matches before "a phone number"
// under /phone_numbers/, with their methods: a request like
// GET .../phone_numbers/collection reaches the {number} routes in the mux
// and must answer 405, never treat the word as a number.
var literalMethods = map[string]string{
	"collection":    "PUT, POST, PATCH, DELETE",
	"check":         "POST",
	"locality":      "POST",
	"fix":           "POST",
	"prefix":        "GET",
	"carriers_info": "GET",
	"classifiers":   "GET",
}

// numberParam returns the {number} of the path, or a 405 when it is one of
// the literal sub-resources.
func numberParam(r *request) (string, error) {
	n := pathNumber(r, "number")
	if allow, ok := literalMethods[n]; ok {
		r.allow = allow
		return "", errInvalidMethod()
	}
	return n, nil
}

// actionNumberParam returns the {number} of .../{number}/activate|reserve|port.
// A literal sub-resource word there names no resource Crossbar knows (the
// words are matched before "a phone number"), so the path is unknown: 404,
// never an unreconcilable number.
func actionNumberParam(r *request) (string, error) {
	n := pathNumber(r, "number")
	if _, ok := literalMethods[n]; ok {
		return "", errPathNotFound()
	}
	return n, nil
}

func (r *request) account() string { return r.PathValue("account") }

// GET /v2/accounts/{account}/phone_numbers: the listing, or an account
// search when a prefix is given.
func (h *Handler) listNumbers(r *request) (*reply, error) {
	if r.query("prefix") != "" {
		return h.searchNumbers(r)
	}
	return h.listing(r)
}

// listing answers the account listing (also the reply of POST .../fix).
func (h *Handler) listing(r *request) (*reply, error) {
	if wantsCSV(r) {
		return h.listingCSV(r)
	}
	lq, paginate := listQuery(r)
	lq.Cascade = true
	page, err := h.svc.ListNumbers(r.ctx(), r.account(), lq)
	if err != nil {
		return nil, err
	}
	numbers := make(map[string]any, len(page.Numbers))
	for _, n := range page.Numbers {
		numbers[n.Number] = h.listingEntry(r.ctx(), n)
	}
	rep := &reply{status: http.StatusOK, data: map[string]any{"numbers": numbers, "cascade_quantity": page.Cascade}}
	if paginate {
		size := len(page.Numbers)
		rep.pageSize = &size
		start := lq.StartKey
		if start == "" && size > 0 {
			start = page.Numbers[0].Number
		}
		if start != "" {
			rep.startKey = &start
		}
		if page.NextKey != "" {
			rep.nextStartKey = &page.NextKey
		}
	}
	return rep, nil
}

// listQuery reads pagination and Kazoo's filter_* family from the query
// string (decisions.md 6–7). Conditions SQL can answer are pushed down; the
// rest become document filters.
func listQuery(r *request) (service.ListQuery, bool) {
	q := r.URL.Query()
	var lq service.ListQuery
	lq.Limit = 50
	if n, err := strconv.Atoi(q.Get("page_size")); err == nil && n > 0 {
		lq.Limit = n
	}
	paginate := true
	if v, set := boolQuery(r, "paginate"); set && !v {
		paginate = false
		lq.Limit = 0
	}
	if paginate {
		lq.StartKey = queryNumber(q.Get("start_key"))
		if lq.StartKey != "" {
			if n, err := models.ParseNumber(lq.StartKey); err == nil {
				lq.StartKey = n
			}
		}
	}
	gtime := func(key string) *time.Time {
		if g, err := strconv.ParseInt(q.Get(key), 10, 64); err == nil {
			t := models.FromGregorian(g)
			return &t
		}
		return nil
	}
	lq.CreatedFrom, lq.CreatedTo = gtime("created_from"), gtime("created_to")
	if t := gtime("created_to"); t != nil {
		t2 := t.Add(time.Second - time.Millisecond) // inclusive to the second
		lq.CreatedTo = &t2
	}
	lq.UpdatedFrom = gtime("modified_from")
	if t := gtime("modified_to"); t != nil {
		t2 := t.Add(time.Second - time.Millisecond)
		lq.UpdatedTo = &t2
	}
	for key, vals := range q {
		for _, v := range vals {
			switch {
			case strings.HasPrefix(key, "filter_not_"):
				path := filterAlias(strings.TrimPrefix(key, "filter_not_"))
				lq.Doc = append(lq.Doc, models.DocFilter{Kind: models.FilterNe, Path: models.SplitFilterPath(path), Values: models.ParseFilterValue(v)})
			case strings.HasPrefix(key, "filter_"):
				path := filterAlias(strings.TrimPrefix(key, "filter_"))
				vals := models.ParseFilterValue(v)
				switch path {
				case "pvt_state":
					for _, s := range vals {
						lq.States = append(lq.States, models.State(s))
					}
				case "pvt_module_name":
					for _, c := range vals {
						lq.Carriers = append(lq.Carriers, strings.TrimPrefix(c, "knm_"))
					}
				default:
					lq.Doc = append(lq.Doc, models.DocFilter{Kind: models.FilterEq, Path: models.SplitFilterPath(path), Values: vals})
				}
			case key == "has_key":
				lq.Doc = append(lq.Doc, models.DocFilter{Kind: models.FilterHasKey, Path: models.SplitFilterPath(v)})
			case key == "key_missing":
				lq.Doc = append(lq.Doc, models.DocFilter{Kind: models.FilterKeyMissing, Path: models.SplitFilterPath(v)})
			case key == "has_value":
				lq.Doc = append(lq.Doc, models.DocFilter{Kind: models.FilterHasValue, Path: models.SplitFilterPath(v)})
			case key == "value_missing", key == "missing_value":
				lq.Doc = append(lq.Doc, models.DocFilter{Kind: models.FilterValueMissing, Path: models.SplitFilterPath(v)})
			}
		}
	}
	// Two filter_state values must both hold: keep SQL's IN only for one.
	if countKey(q, "filter_state")+countKey(q, "filter_pvt_state") > 1 {
		for _, s := range lq.States {
			lq.Doc = append(lq.Doc, models.DocFilter{Kind: models.FilterEq, Path: []string{"pvt_state"}, Values: []string{string(s)}})
		}
		lq.States = nil
	}
	return lq, paginate
}

func countKey(q map[string][]string, k string) int { return len(q[k]) }

// filterAlias applies Crossbar's renames for number listings.
func filterAlias(path string) string {
	switch path {
	case "state":
		return "pvt_state"
	case "assigned_to":
		return "pvt_assigned_to"
	case "locality":
		return "pvt_locality"
	}
	return path
}

// GET /v2/accounts/{account}/phone_numbers/{number}
func (h *Handler) getNumber(r *request) (*reply, error) {
	raw, err := numberParam(r)
	if err != nil {
		return nil, err
	}
	n, err := h.svc.GetNumber(r.ctx(), r.account(), raw)
	if err != nil {
		// The single GET hides why: not found, not reconcilable or not
		// allowed all read as 404 (Kazoo §5.2); account errors stay.
		if e := models.AsError(err); e != nil && !e.System && e.Code != models.EUNAVAILABLE && e.Code != models.EINTERNAL {
			return nil, models.ErrNotFound()
		}
		return nil, err
	}
	return ok(h.numberJSON(r.ctx(), n))
}

// createWithState splits create_with_state off a create body.
func createWithState(d models.Doc) (service.CreateInput, error) {
	in := service.CreateInput{Public: d}
	if v, present := d["create_with_state"]; present {
		s, isString := v.(string)
		if !isString {
			return in, models.ErrValidation(models.FieldError{Path: "create_with_state", Rule: "type", Message: "Value did not match type(s): string", Target: "string", Value: v})
		}
		in.State = models.State(s)
	}
	return in, nil
}

// PUT /v2/accounts/{account}/phone_numbers/{number}
func (h *Handler) createNumber(r *request) (*reply, error) {
	raw, err := numberParam(r)
	if err != nil {
		return nil, err
	}
	in, err := createWithState(numberFields(r.data))
	if err != nil {
		return nil, err
	}
	n, err := h.svc.CreateNumber(r.ctx(), r.account(), raw, in)
	if err != nil {
		return nil, err
	}
	return created(h.numberJSON(r.ctx(), n))
}

// POST (replace) and PATCH (merge) /v2/accounts/{account}/phone_numbers/{number}
func (h *Handler) updateNumber(merge bool) handlerFunc {
	return func(r *request) (*reply, error) {
		raw, err := numberParam(r)
		if err != nil {
			return nil, err
		}
		n, err := h.svc.UpdateNumber(r.ctx(), r.account(), raw, numberFields(r.data), merge)
		if err != nil {
			return nil, err
		}
		return ok(h.numberJSON(r.ctx(), n))
	}
}

// DELETE /v2/accounts/{account}/phone_numbers/{number}[?hard=true]
func (h *Handler) releaseNumber(r *request) (*reply, error) {
	raw, err := numberParam(r)
	if err != nil {
		return nil, err
	}
	hard, _ := boolQuery(r, "hard")
	n, err := h.svc.ReleaseNumber(r.ctx(), r.account(), raw, hard)
	if err != nil {
		// Crossbar's single DELETE special case: the failed release of an
		// available non-local number whose cause is exactly "from available
		// to released" (released_state = released) answers 404; with the
		// default released_state the cause is "from available to available"
		// and stays 400 (kazoo-number-manager.md §1.4 step 2).
		if e := models.AsError(err); e != nil && e.Reason == models.ReasonInvalidStateTransition &&
			e.Cause == "from "+string(models.StateAvailable)+" to "+string(models.StateReleased) {
			return nil, models.ErrNotFound()
		}
		return nil, err
	}
	return ok(h.numberJSON(r.ctx(), n))
}

// PUT /v2/accounts/{account}/phone_numbers/{number}/activate
func (h *Handler) activateNumber(r *request) (*reply, error) {
	raw, err := actionNumberParam(r)
	if err != nil {
		return nil, err
	}
	n, err := h.svc.ActivateNumber(r.ctx(), r.account(), raw, numberFields(r.data))
	if err != nil {
		return nil, err
	}
	return created(h.numberJSON(r.ctx(), n))
}

// PUT /v2/accounts/{account}/phone_numbers/{number}/reserve
func (h *Handler) reserveNumber(r *request) (*reply, error) {
	raw, err := actionNumberParam(r)
	if err != nil {
		return nil, err
	}
	n, err := h.svc.ReserveNumber(r.ctx(), r.account(), raw, numberFields(r.data))
	if err != nil {
		return nil, err
	}
	return created(h.numberJSON(r.ctx(), n))
}

// PUT /v2/accounts/{account}/phone_numbers/{number}/port
func (h *Handler) portNumber(r *request) (*reply, error) {
	raw, err := actionNumberParam(r)
	if err != nil {
		return nil, err
	}
	d := numberFields(r.data)
	delete(d, "create_with_state")
	n, err := h.svc.PortNumber(r.ctx(), r.account(), raw, d)
	if err != nil {
		return nil, err
	}
	return created(h.numberJSON(r.ctx(), n))
}

// collectionFields is the body of a collection minus its numbers list.
func collectionFields(d models.Doc) models.Doc {
	out := numberFields(d)
	delete(out, "numbers")
	return out
}

// numberFields is the body of a single-number write without the request
// control value accept_charges, which Crossbar reads from data first
// (kazoo-crossbar-phone-numbers.md §1.3) and numberd ignores (decisions.md
// 16): it is never stored as a public field, and {"accept_charges": true}
// alone is an empty body (activate keeps the fields, decisions.md 15).
func numberFields(d models.Doc) models.Doc {
	out := d.Clone()
	delete(out, "accept_charges")
	return out
}

// PUT /v2/accounts/{account}/phone_numbers/collection
func (h *Handler) createCollection(r *request) (*reply, error) {
	nums, err := r.numbersList()
	if err != nil {
		return nil, err
	}
	in, err := createWithState(collectionFields(r.data))
	if err != nil {
		return nil, err
	}
	res, err := h.svc.CreateNumbers(r.ctx(), r.account(), nums, in)
	if err != nil {
		return nil, err
	}
	return created(h.collectionJSON(r.ctx(), res))
}

// POST (replace) and PATCH (merge) /v2/accounts/{account}/phone_numbers/collection
func (h *Handler) updateCollection(merge bool) handlerFunc {
	return func(r *request) (*reply, error) {
		nums, err := r.numbersList()
		if err != nil {
			return nil, err
		}
		res, err := h.svc.UpdateNumbers(r.ctx(), r.account(), nums, collectionFields(r.data), merge)
		if err != nil {
			return nil, err
		}
		return ok(h.collectionJSON(r.ctx(), res))
	}
}

// DELETE /v2/accounts/{account}/phone_numbers/collection[?hard=true]
func (h *Handler) releaseCollection(r *request) (*reply, error) {
	nums, err := r.numbersList()
	if err != nil {
		return nil, err
	}
	hard, _ := boolQuery(r, "hard")
	res, err := h.svc.ReleaseNumbers(r.ctx(), r.account(), nums, hard)
	if err != nil {
		return nil, err
	}
	return ok(h.collectionJSON(r.ctx(), res))
}

// PUT /v2/accounts/{account}/phone_numbers/collection/activate
func (h *Handler) activateCollection(r *request) (*reply, error) {
	nums, err := r.numbersList()
	if err != nil {
		return nil, err
	}
	res, err := h.svc.ActivateNumbers(r.ctx(), r.account(), nums, collectionFields(r.data))
	if err != nil {
		return nil, err
	}
	return created(h.collectionJSON(r.ctx(), res))
}
