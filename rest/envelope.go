package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"numberd/models"
)

// envelope is Crossbar's response envelope (kazoo-crossbar-phone-numbers.md §1.4).
type envelope struct {
	AuthToken    string  `json:"auth_token"`
	Status       string  `json:"status"`
	RequestID    string  `json:"request_id"`
	Node         string  `json:"node"`
	Version      string  `json:"version"`
	Timestamp    string  `json:"timestamp"`
	Data         any     `json:"data"`
	Error        string  `json:"error,omitempty"`
	Message      string  `json:"message,omitempty"`
	PageSize     *int    `json:"page_size,omitempty"`
	StartKey     *string `json:"start_key,omitempty"`
	NextStartKey *string `json:"next_start_key,omitempty"`
}

// reply is what a handler returns on success.
type reply struct {
	status int
	data   any
	// paging keys, set by the listing
	pageSize     *int
	startKey     *string
	nextStartKey *string
	// raw, when set, is sent as is with rawType.
	raw     []byte
	rawType string
	// stream, when set, writes the whole answer itself (the CSV export).
	stream func(w http.ResponseWriter)
}

func ok(data any) (*reply, error)      { return &reply{status: http.StatusOK, data: data}, nil }
func created(data any) (*reply, error) { return &reply{status: http.StatusCreated, data: data}, nil }

func (h *Handler) newEnvelope(r *request) envelope {
	return envelope{
		AuthToken: r.token,
		RequestID: r.id,
		Node:      h.node,
		Version:   h.version,
		Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05"),
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"status":"error","error":"500","message":"unspecified_fault","data":{"message":"unspecified fault"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *Handler) writeReply(w http.ResponseWriter, r *request, rep *reply) {
	if rep.stream != nil {
		rep.stream(w)
		return
	}
	if rep.raw != nil {
		w.Header().Set("Content-Type", rep.rawType)
		w.WriteHeader(rep.status)
		w.Write(rep.raw)
		return
	}
	env := h.newEnvelope(r)
	env.Status = "success"
	env.Data = rep.data
	env.PageSize, env.StartKey, env.NextStartKey = rep.pageSize, rep.startKey, rep.nextStartKey
	writeJSON(w, rep.status, env)
}

func (h *Handler) writeError(w http.ResponseWriter, r *request, err error) {
	status, message, data := h.renderError(r, err)
	env := h.newEnvelope(r)
	env.Status = "error"
	env.Error = strconv.Itoa(status)
	env.Message = message
	env.Data = data
	if status == http.StatusMethodNotAllowed && r.allow != "" {
		w.Header().Set("Allow", r.allow)
	}
	writeJSON(w, status, env)
}

// knmStatus maps number-manager error names to their HTTP code
// (knm_errors, kazoo-number-manager.md §1.5).
var knmStatus = map[string]int{
	models.ReasonNumberExists:           http.StatusConflict,
	models.ReasonForbidden:              http.StatusForbidden,
	models.ReasonInvalidStateTransition: http.StatusBadRequest,
	models.ReasonNoChangeRequired:       http.StatusBadRequest,
	models.ReasonNumberIsPorting:        http.StatusBadRequest,
	models.ReasonAssignFailure:          http.StatusBadRequest,
	models.ReasonInvalid:                http.StatusBadRequest,
	"not_enough_credit":                 http.StatusPaymentRequired,
	"service_restriction":               http.StatusPaymentRequired,
	models.ReasonUnspecifiedFault:       http.StatusInternalServerError,
}

// systemStatus maps Crossbar system errors to their HTTP status.
var systemStatus = map[string]int{
	models.ReasonBadIdentifier:        http.StatusNotFound,
	models.ReasonForbidden:            http.StatusForbidden,
	models.ReasonInvalidCredentials:   http.StatusUnauthorized,
	models.ReasonTooManyRequests:      http.StatusTooManyRequests,
	models.ReasonDatastoreUnreachable: http.StatusServiceUnavailable,
	models.ReasonUnspecifiedFault:     http.StatusInternalServerError,
	"datastore_conflict":              http.StatusConflict,
	"range_not_satisfiable":           http.StatusRequestedRangeNotSatisfiable,
	"invalid_method":                  http.StatusMethodNotAllowed,
	"not_found":                       http.StatusNotFound,
	"account_has_descendants":         http.StatusConflict,
	"request_too_large":               http.StatusRequestEntityTooLarge,
}

// systemMessages are Crossbar's envelope messages for system errors whose
// reason is not itself the message (kazoo-crossbar-phone-numbers.md §5.3–§5.6).
var systemMessages = map[string]string{
	"number_search_restricted": "number search restricted",
	"nonexistent_reseller_id":  "nonexistent reseller_id",
	"lookup_failed":            "number locality lookup failed",
	"init_failed":              "init failed",
}

// codeStatus is the fallback by error class.
var codeStatus = map[string]int{
	models.EINVALID:      http.StatusBadRequest,
	models.ENOTFOUND:     http.StatusNotFound,
	models.ECONFLICT:     http.StatusConflict,
	models.EFORBIDDEN:    http.StatusForbidden,
	models.EUNAUTHORIZED: http.StatusUnauthorized,
	models.ETOOMANY:      http.StatusTooManyRequests,
	models.EUNAVAILABLE:  http.StatusServiceUnavailable,
	models.EUPSTREAM:     http.StatusInternalServerError,
	models.EINTERNAL:     http.StatusInternalServerError,
}

// renderError is the one place a domain error becomes a Kazoo error reply:
// HTTP status, envelope message, and data (kazoo-crossbar-phone-numbers.md
// §1.5 and §7). Internal details are logged, never sent.
func (h *Handler) renderError(r *request, err error) (int, string, any) {
	e := models.AsError(err)
	if e == nil || e.Code == models.EINTERNAL {
		h.log.Error("internal error", "request_id", r.id, "method", r.Method, "path", r.URL.Path, "err", err)
		return http.StatusInternalServerError, "unspecified_fault", map[string]any{"message": "unspecified fault"}
	}
	if e.Code == models.EUNAVAILABLE {
		h.log.Warn("database unavailable", "request_id", r.id, "path", r.URL.Path, "err", e.Err)
	}
	switch e.Reason {
	case models.ReasonValidation:
		return http.StatusBadRequest, "validation error", validationData(e.Fields)
	case models.ReasonNotFound:
		if !e.System {
			return http.StatusNotFound, "bad_identifier", map[string]any{"message": "bad identifier", "not_found": "The number could not be found"}
		}
	case models.ReasonNotReconcilable, models.ReasonUnassigned:
		return http.StatusBadRequest, "client error", e.Reason
	case models.ReasonNotInService, models.ReasonAccountDisabled:
		data := map[string]any{"cause": e.Reason}
		for k, v := range e.Details {
			data[k] = v
		}
		return http.StatusBadRequest, "client error", data
	}
	if e.System {
		status, found := systemStatus[e.Reason]
		if !found {
			status = codeStatus[e.Code]
		}
		data := map[string]any{"message": e.Message}
		for k, v := range e.Details {
			data[k] = v
		}
		msg := e.Reason
		if m, ok := systemMessages[e.Reason]; ok {
			msg = m
		}
		if e.RawData != nil {
			return status, msg, e.RawData
		}
		return status, msg, data
	}
	status, found := knmStatus[e.Reason]
	if !found {
		status = codeStatus[e.Code]
	}
	return status, e.Reason, knmObject(e, status)
}

// knmObject is a number-manager error object: {code, error, cause?, message}.
func knmObject(e *models.Error, status int) map[string]any {
	o := map[string]any{"code": status, "error": e.Reason, "message": e.Message}
	if e.Cause != "" {
		o["cause"] = e.Cause
	}
	return o
}

// itemError renders one number's failure inside a collection reply: bare
// reasons as strings, others as knm objects.
func itemError(e error) any {
	me := models.AsError(e)
	if me == nil || me.Code == models.EINTERNAL {
		return map[string]any{"code": 500, "error": "unspecified_fault", "message": "unspecified fault"}
	}
	switch me.Reason {
	case models.ReasonNotFound, models.ReasonNotReconcilable, models.ReasonUnassigned:
		return me.Reason
	case models.ReasonValidation:
		return map[string]any{"code": 400, "error": "validation error", "message": "validation error", "data": validationData(me.Fields)}
	}
	status, found := knmStatus[me.Reason]
	if !found {
		status = codeStatus[me.Code]
	}
	return knmObject(me, status)
}

// validationData nests field failures the way kz_json_schema does:
// {"<path>": {"<rule>": {"message": ..., "target"?: ..., "value"?: ...}}}.
func validationData(fields []models.FieldError) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		byRule, _ := out[f.Path].(map[string]any)
		if byRule == nil {
			byRule = map[string]any{}
			out[f.Path] = byRule
		}
		d := map[string]any{"message": f.Message}
		if f.Target != nil {
			d["target"] = f.Target
		}
		if f.Value != nil {
			d["value"] = f.Value
		}
		byRule[f.Rule] = d
	}
	return out
}
