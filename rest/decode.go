package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"numberd/models"
)

// decodeBody reads Crossbar's request envelope {"data": ..., "accept_charges":
// ..., "auth_token": ...}. An empty body means data = {}. A body that is not
// JSON, not an object, or has no object "data" is a 400 in Kazoo's shape.
func (r *request) decodeBody(w http.ResponseWriter, max int64) error {
	r.data = models.Doc{}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &models.Error{Code: models.EINVALID, Reason: "request_too_large", System: true,
				Message: "request body is larger than the limit"}
		}
		return &models.Error{Code: models.EINVALID, Reason: models.ReasonValidation, Message: "validation error",
			Fields: []models.FieldError{{Path: "body", Rule: "invalid", Message: "could not read the request body"}}}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	env, err := models.DecodeDoc(body)
	if err == nil {
		err = strictJSON(body, env)
	}
	if err != nil {
		return models.ErrValidation(models.FieldError{Path: "json", Rule: "invalid", Message: "Malformed JSON: " + jsonErrorText(err)})
	}
	r.env = env
	raw, present := env["data"]
	switch d := raw.(type) {
	case map[string]any:
		r.data = models.Doc(d)
	case nil:
		if !present || raw == nil {
			return models.ErrValidation(models.FieldError{Path: "data", Rule: "required", Message: "Field is required but missing"})
		}
	default:
		return models.ErrValidation(models.FieldError{Path: "data", Rule: "type", Message: "Value did not match type(s): object", Target: "object"})
	}
	return nil
}

// strictJSON rejects what DecodeDoc lets through but a Kazoo server (and
// most clients reading the number back) would not: data after the object,
// and numbers no float64 can hold (1e999), which would be stored and then
// answered as JSON that clients fail to parse. Found by FuzzHandler_Body.
func strictJSON(body []byte, env models.Doc) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var skip json.RawMessage
	if err := dec.Decode(&skip); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailingData
	}
	return finiteNumbers(map[string]any(env), 0)
}

var (
	errTrailingData = errors.New("data after the JSON object")
	errNumberRange  = errors.New("a number is out of range")
)

func finiteNumbers(v any, depth int) error {
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(x), 64); err != nil {
			return errNumberRange
		}
	case map[string]any:
		for _, e := range x {
			if err := finiteNumbers(e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := finiteNumbers(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func jsonErrorText(err error) string {
	if errors.Is(err, errTrailingData) || errors.Is(err, errNumberRange) {
		return err.Error()
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "the body must be a JSON object"
	}
	return "invalid JSON"
}

// pathNumber returns the {number} path segment as given by the client:
// percent-decoded twice (decisions.md 9; the mux decoded it once), with a
// raw "+" kept as a plus.
func pathNumber(r *request, name string) string {
	v := r.PathValue(name)
	if d, err := url.PathUnescape(v); err == nil {
		v = d
	}
	return v
}

// queryNumber reads a number from the query string, where form decoding
// turned an unescaped "+" into a space.
func queryNumber(v string) string {
	if strings.HasPrefix(v, " ") && strings.TrimSpace(v) != "" {
		return "+" + strings.TrimSpace(v)
	}
	return strings.TrimSpace(v)
}

// dataList reads a list of strings from the request (data first, then the
// query string, then the envelope, as Crossbar's req_value does). present
// reports whether the key was there at all; a non-list is a type error.
func (r *request) dataList(key string) (list []string, present bool, err error) {
	var raw any
	switch {
	case r.data[key] != nil:
		raw = r.data[key]
	case r.URL.Query().Has(key):
		raw = r.URL.Query()[key]
	case r.env[key] != nil:
		raw = r.env[key]
	default:
		return nil, false, nil
	}
	switch v := raw.(type) {
	case []string:
		return v, true, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				if n, isNum := x.(json.Number); isNum {
					s = n.String()
				} else {
					return nil, true, models.ErrValidation(models.FieldError{Path: key, Rule: "type", Message: key + " must be a list"})
				}
			}
			out = append(out, s)
		}
		return out, true, nil
	}
	return nil, true, models.ErrValidation(models.FieldError{Path: key, Rule: "type", Message: key + " must be a list"})
}

// numbersList reads the `numbers` list of a collection body, with Kazoo's
// messages for a missing or non-list value; minimum and uniqueness are the
// service's rules.
func (r *request) numbersList() ([]string, error) {
	list, present, err := r.dataList("numbers")
	if err != nil {
		return nil, models.ErrValidation(models.FieldError{Path: "numbers", Rule: "type", Message: "numbers must be a list"})
	}
	if !present {
		return nil, models.ErrValidation(models.FieldError{Path: "numbers", Rule: "required", Message: "list of numbers missing"})
	}
	return list, nil
}

// boolQuery reads a boolean query flag (true/false, 1/0).
func boolQuery(r *request, key string) (val bool, set bool) {
	v := r.URL.Query().Get(key)
	switch strings.ToLower(v) {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return false, false
}
