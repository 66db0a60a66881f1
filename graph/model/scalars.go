// Package model holds GraphQL-only types: the inputs and payloads gqlgen
// generates (models_gen.go) and the hand-written connection and scalar types
// beside them.
package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"numberd/models"
	"numberd/service"
)

// JSON is the JSON scalar: any JSON value, numbers kept exact.
type JSON struct{ V any }

// UnmarshalGQL implements graphql.Unmarshaler.
func (j *JSON) UnmarshalGQL(v any) error {
	// Round-trip through encoding/json so values have the same Go types as
	// documents read from the database (json.Number for numbers).
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("JSON: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(&j.V)
}

// MarshalGQL implements graphql.Marshaler.
func (j JSON) MarshalGQL(w io.Writer) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j.V); err != nil {
		io.WriteString(w, "null")
	}
}

// Object returns the value as a document, or an error when it is not an
// object.
func (j *JSON) Object() (models.Doc, error) {
	if j == nil || j.V == nil {
		return models.Doc{}, nil
	}
	m, ok := j.V.(map[string]any)
	if !ok {
		return nil, models.ErrValidation(models.FieldError{Path: "publicFields", Rule: "type", Message: "Value did not match type(s): object", Target: "object"})
	}
	return models.Doc(m), nil
}

// PhoneNumberConnection is one page of numbers; totalCount is resolved
// lazily from Count.
type PhoneNumberConnection struct {
	Edges    []*PhoneNumberEdge
	PageInfo *PageInfo
	// Count computes the total number of matches when totalCount is asked.
	Count func() (int64, error)
	Page  *service.NumberPage
}

// Node is any object with a natural id (an account or a phone number). The
// domain types need no GraphQL methods: gqlgen dispatches on their type.
type Node interface{}

// PhoneNumberEventConnection is one page of a number's history.
type PhoneNumberEventConnection struct {
	Edges    []*PhoneNumberEventEdge
	PageInfo *PageInfo
	Count    func() (int64, error)
}
