package graph

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"numberd/graph/model"
	"numberd/models"
	"numberd/service"
)

// Conversions between GraphQL types and domain types. Resolvers stay one
// service call long; everything they need to translate lives here.

func str(m map[string]any, k string) *string {
	if v, ok := m[k].(string); ok {
		return &v
	}
	return nil
}

func strList(m map[string]any, k string) []string {
	l, _ := m[k].([]any)
	if l == nil {
		return nil
	}
	out := make([]string, 0, len(l))
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func cnamOf(n *models.Number) *model.Cnam {
	c := n.Public.Object("cnam")
	if c == nil {
		return nil
	}
	out := &model.Cnam{DisplayName: str(c, "display_name")}
	if b, ok := c["inbound_lookup"].(bool); ok {
		out.InboundLookup = &b
	}
	return out
}

func e911Of(n *models.Number) *model.E911 {
	e := n.Public.Object("e911")
	if e == nil {
		return nil
	}
	out := &model.E911{
		StreetAddress: str(e, "street_address"), ExtendedAddress: str(e, "extended_address"),
		Locality: str(e, "locality"), Region: str(e, "region"), PostalCode: str(e, "postal_code"),
		PlusFour: str(e, "plus_four"), CallerName: str(e, "caller_name"), Latitude: str(e, "latitude"),
		Longitude: str(e, "longitude"), LocationID: str(e, "location_id"), Status: str(e, "status"),
		ActivatedTime: str(e, "activated_time"), NotificationContactEmails: strList(e, "notification_contact_emails"),
	}
	if ld, ok := e["legacy_data"]; ok {
		out.LegacyData = &model.JSON{V: ld}
	}
	return out
}

func portingOf(n *models.Number) *model.Porting {
	p := n.Public.Object("porting")
	if p == nil {
		return nil
	}
	return &model.Porting{
		PortID: str(p, "port_id"), ServiceProvider: str(p, "service_provider"), BillingName: str(p, "billing_name"),
		BillingAccountID: str(p, "billing_account_id"), BillingStreetAddress: str(p, "billing_street_address"),
		BillingExtendedAddress: str(p, "billing_extended_address"), BillingLocality: str(p, "billing_locality"),
		BillingRegion: str(p, "billing_region"), BillingPostalCode: str(p, "billing_postal_code"),
		BillingTelephoneNumber: str(p, "billing_telephone_number"), RequestedPortDate: str(p, "requested_port_date"),
		CustomerContact: str(p, "customer_contact"), Comments: strList(p, "comments"),
	}
}

// put sets k to *v when v is given.
func put[T any](m map[string]any, k string, v *T) {
	if v != nil {
		m[k] = *v
	}
}

func putList(m map[string]any, k string, l []string) {
	if l != nil {
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		m[k] = out
	}
}

func cnamDoc(c *model.CnamInput) map[string]any {
	m := map[string]any{}
	put(m, "display_name", c.DisplayName)
	put(m, "inbound_lookup", c.InboundLookup)
	return m
}

func e911Doc(e *model.E911Input) map[string]any {
	m := map[string]any{}
	put(m, "street_address", e.StreetAddress)
	put(m, "extended_address", e.ExtendedAddress)
	put(m, "locality", e.Locality)
	put(m, "region", e.Region)
	put(m, "postal_code", e.PostalCode)
	put(m, "plus_four", e.PlusFour)
	put(m, "caller_name", e.CallerName)
	putList(m, "notification_contact_emails", e.NotificationContactEmails)
	return m
}

func portingDoc(p *model.PortingInput) map[string]any {
	m := map[string]any{}
	put(m, "port_id", p.PortID)
	put(m, "service_provider", p.ServiceProvider)
	put(m, "billing_name", p.BillingName)
	put(m, "billing_account_id", p.BillingAccountID)
	put(m, "billing_street_address", p.BillingStreetAddress)
	put(m, "billing_extended_address", p.BillingExtendedAddress)
	put(m, "billing_locality", p.BillingLocality)
	put(m, "billing_region", p.BillingRegion)
	put(m, "billing_postal_code", p.BillingPostalCode)
	put(m, "billing_telephone_number", p.BillingTelephoneNumber)
	put(m, "requested_port_date", p.RequestedPortDate)
	put(m, "customer_contact", p.CustomerContact)
	putList(m, "comments", p.Comments)
	return m
}

// createDoc builds the public fields of a create from its input.
func createDoc(in model.CreatePhoneNumberInput) (models.Doc, error) {
	d, err := in.PublicFields.Object()
	if err != nil {
		return nil, err
	}
	d = d.Clone()
	if in.Cnam != nil {
		d["cnam"] = cnamDoc(in.Cnam)
	}
	if in.E911 != nil {
		d["e911"] = e911Doc(in.E911)
	}
	if in.Porting != nil {
		d["porting"] = portingDoc(in.Porting)
	}
	put(d, "carrier_name", in.CarrierName)
	return d, nil
}

// omittable puts an Omittable object field into a patch: absent stays
// absent, null becomes null (merge removes the key), a value is converted.
func omittable[T any](d models.Doc, k string, o graphql.Omittable[*T], conv func(*T) map[string]any) {
	v, set := o.ValueOK()
	if !set {
		return
	}
	if v == nil {
		d[k] = nil
		return
	}
	d[k] = conv(v)
}

// updateDoc builds the public fields (replace) or the merge patch of an update.
func updateDoc(in model.UpdatePhoneNumberInput) (models.Doc, bool, error) {
	d, err := in.PublicFields.Object()
	if err != nil {
		return nil, false, err
	}
	d = d.Clone()
	omittable(d, "cnam", in.Cnam, cnamDoc)
	omittable(d, "e911", in.E911, e911Doc)
	omittable(d, "porting", in.Porting, portingDoc)
	put(d, "carrier_name", in.CarrierName)
	merge := in.Mode == nil || *in.Mode == model.UpdateModeMerge
	if !merge {
		for k, v := range d {
			if v == nil {
				delete(d, k)
			}
		}
	}
	return d, merge, nil
}

// userErrors turns a domain error into mutation userErrors. It returns
// ok=false for errors that are not about the mutation's input (no
// credentials, the database is down, a bug): those travel as GraphQL
// errors, so an anonymous mutation fails with UNAUTHENTICATED like every
// query field does.
func userErrors(err error) ([]*model.UserError, bool) {
	if err == nil {
		return []*model.UserError{}, true
	}
	e := models.AsError(err)
	if e == nil || e.Code == models.EINTERNAL || e.Code == models.EUNAVAILABLE || e.Code == models.EUNAUTHORIZED {
		return nil, false
	}
	if e.Reason == models.ReasonValidation {
		out := make([]*model.UserError, 0, len(e.Fields))
		for _, f := range e.Fields {
			path := f.Path
			out = append(out, &model.UserError{Code: "VALIDATION", Message: f.Message, Field: &path})
		}
		return out, true
	}
	msg := e.Message
	if e.Cause != "" && e.Reason != models.ReasonNumberExists {
		msg += " (" + e.Cause + ")"
	}
	return []*model.UserError{{Code: errorCode(e), Message: msg}}, true
}

// errorCode is the GraphQL code of a domain error: the Kazoo name upper-cased.
func errorCode(e *models.Error) string {
	switch e.Reason {
	case models.ReasonBadIdentifier:
		return "NOT_FOUND"
	case models.ReasonInvalidCredentials:
		return "UNAUTHENTICATED"
	case models.ReasonDatastoreUnreachable:
		return "UNAVAILABLE"
	case "":
		return strings.ToUpper(e.Code)
	}
	return strings.ToUpper(e.Reason)
}

func numberPayload(n *models.Number, err error) (*model.PhoneNumberPayload, error) {
	ue, ok := userErrors(err)
	if !ok {
		return nil, err
	}
	if err != nil {
		n = nil
	}
	return &model.PhoneNumberPayload{PhoneNumber: n, UserErrors: ue}, nil
}

// Phone number cursors are opaque: base64url of "<o>:<t>:<number>", the
// keyset position of a row in its listing: o is the order field (n, c or u
// for number, created, updated) and t the row's sort time in Unix
// nanoseconds (empty for the number order). A cursor only fits a listing
// with the same order field; the direction may differ.
func encodeNumberCursor(o service.NumberOrder, n *models.Number) string {
	k := service.KeyOf(o, n)
	t := ""
	if o != service.OrderNumber {
		t = strconv.FormatInt(k.At.UnixNano(), 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(orderCode(o) + ":" + t + ":" + k.Number))
}

func orderCode(o service.NumberOrder) string {
	switch o {
	case service.OrderCreated:
		return "c"
	case service.OrderUpdated:
		return "u"
	}
	return "n"
}

// decodeNumberCursor parses the cursor argument arg (nil or "" for none).
func decodeNumberCursor(arg string, o service.NumberOrder, c *string) (*service.Keyset, error) {
	if c == nil || *c == "" {
		return nil, nil
	}
	bad := func(msg string) error {
		return models.ErrValidation(models.FieldError{Path: arg, Rule: "format", Message: msg})
	}
	b, err := base64.RawURLEncoding.DecodeString(*c)
	if err != nil {
		return nil, bad("invalid cursor")
	}
	code, rest, ok := strings.Cut(string(b), ":")
	ts, number, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || !strings.HasPrefix(number, "+") {
		return nil, bad("invalid cursor")
	}
	if code != orderCode(o) {
		return nil, bad("the cursor belongs to a listing with another orderBy field")
	}
	k := &service.Keyset{Number: number}
	if o != service.OrderNumber {
		ns, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return nil, bad("invalid cursor")
		}
		k.At = time.Unix(0, ns).UTC()
	}
	return k, nil
}

// numberOrder converts orderBy.
func numberOrder(o *model.PhoneNumberOrder) (service.NumberOrder, bool) {
	if o == nil {
		return service.OrderNumber, false
	}
	desc := o.Direction == model.OrderDirectionDesc
	switch o.Field {
	case model.PhoneNumberOrderFieldCreatedAt:
		return service.OrderCreated, desc
	case model.PhoneNumberOrderFieldUpdatedAt:
		return service.OrderUpdated, desc
	}
	return service.OrderNumber, desc
}

// numberFilter converts a listing filter into lq.
func numberFilter(lq *service.ListQuery, f *model.PhoneNumberFilter) error {
	if f == nil {
		return nil
	}
	var err error
	lq.States = f.States
	if lq.Prefix, err = e164Prefix(f.Prefix); err != nil {
		return err
	}
	lq.Classifications, lq.Carriers, lq.Features, lq.HasE911 = f.Classifications, f.Carriers, f.Features, f.HasE911
	lq.CreatedFrom, lq.CreatedTo, lq.UpdatedFrom, lq.UpdatedTo = f.CreatedFrom, f.CreatedTo, f.UpdatedFrom, f.UpdatedTo
	return nil
}

// statsOf lists every state's count, in lifecycle order.
func statsOf(m map[models.State]int64) *model.NumberStats {
	out := &model.NumberStats{ByState: make([]*model.NumberStateCount, 0, len(models.AllStates))}
	for _, st := range models.AllStates {
		n := int(m[st])
		out.Total += n
		out.ByState = append(out.ByState, &model.NumberStateCount{State: st, Count: n})
	}
	return out
}

var prefixRe = regexp.MustCompile(`^\+?[0-9]{1,15}$`)

// e164Prefix checks a listing prefix and gives it its "+".
func e164Prefix(p *string) (string, error) {
	if p == nil || *p == "" {
		return "", nil
	}
	if !prefixRe.MatchString(*p) {
		return "", models.ErrValidation(models.FieldError{Path: "filter.prefix", Rule: "pattern", Message: "prefix must be digits, optionally after +"})
	}
	return "+" + strings.TrimPrefix(*p, "+"), nil
}

// pageSize checks a requested page size (argument arg: first or last).
func (r *Resolver) pageSize(size *int, arg string) (int, error) {
	max := r.Cfg.MaxFirst
	if max <= 0 {
		max = 100
	}
	if size == nil {
		return min(50, max), nil
	}
	if *size < 0 || *size > max {
		return 0, models.ErrValidation(models.FieldError{Path: arg, Rule: "maximum",
			Message: fmt.Sprintf("%s must be between 0 and %d", arg, max), Target: max})
	}
	return *size, nil
}

// publicDoc merges typed public-field inputs over a free-form JSON object.
func publicDoc(fields *model.JSON, cnam *model.CnamInput, e911 *model.E911Input, porting *model.PortingInput, carrier *string) (models.Doc, error) {
	d, err := fields.Object()
	if err != nil {
		return nil, err
	}
	d = d.Clone()
	if cnam != nil {
		d["cnam"] = cnamDoc(cnam)
	}
	if e911 != nil {
		d["e911"] = e911Doc(e911)
	}
	if porting != nil {
		d["porting"] = portingDoc(porting)
	}
	put(d, "carrier_name", carrier)
	return d, nil
}

// batchPayload turns batch results into per-number payloads; request-level
// domain errors become the payload's userErrors.
func batchPayload(res []service.Result, err error) (*model.PhoneNumberBatchPayload, error) {
	if err != nil {
		ue, ok := userErrors(err)
		if !ok {
			return nil, err
		}
		return &model.PhoneNumberBatchPayload{Results: []*model.PhoneNumberResult{}, UserErrors: ue}, nil
	}
	out := &model.PhoneNumberBatchPayload{Results: make([]*model.PhoneNumberResult, 0, len(res)), UserErrors: []*model.UserError{}}
	for _, r := range res {
		ue, ok := userErrors(r.Err)
		if !ok {
			return nil, r.Err
		}
		item := &model.PhoneNumberResult{Number: r.Key, UserErrors: ue}
		if r.Err == nil {
			item.PhoneNumber = r.Number
		}
		out.Results = append(out.Results, item)
	}
	return out, nil
}

func encodeEventCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e:" + id))
}

func decodeEventCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "e:") {
		return "", models.ErrValidation(models.FieldError{Path: "after", Rule: "format", Message: "invalid cursor"})
	}
	return strings.TrimPrefix(string(b), "e:"), nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
