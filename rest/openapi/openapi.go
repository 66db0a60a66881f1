// Package openapi holds the OpenAPI 3 description of numberd's v2 REST API
// (openapi.yaml, embedded in the binary) and serves it: as JSON at
// GET /v2/openapi.json (through package rest) and as a readable reference
// page at GET /docs, whose assets are embedded too, so it works offline.
//
// The test suite holds the document to the code: internal/openapicheck
// validates every request and response the REST tests make against it, and
// rest's tests compare its paths with the route table.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	_ "embed"

	"go.yaml.in/yaml/v4"
)

//go:embed openapi.yaml
var source []byte

// YAML returns the document as written (the source of truth).
func YAML() []byte { return source }

// JSON returns the document as JSON, keys in the order of the YAML source.
// It panics if the embedded document is not valid YAML, which the test
// suite rules out.
func JSON() []byte {
	b, err := jsonOnce()
	if err != nil {
		panic("openapi: embedded document: " + err.Error())
	}
	return b
}

var jsonOnce = sync.OnceValues(func() ([]byte, error) { return ToJSON(source) })

// ToJSON converts a YAML document to indented JSON, keeping the order of
// mapping keys (encoding/json would sort them, and a reader of the served
// document expects the order it was written in).
func ToJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeNode(&buf, &doc); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeNode(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("line %d: expected one document", n.Line)
		}
		return writeNode(buf, n.Content[0])
	case yaml.AliasNode:
		return writeNode(buf, n.Alias)
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: mapping keys must be scalars", k.Line)
			}
			if k.Value == "<<" {
				return fmt.Errorf("line %d: merge keys are not supported", k.Line)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k.Value)
			buf.WriteByte(':')
			if err := writeNode(buf, v); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeNode(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		return writeScalar(buf, n)
	default:
		return fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return nil
}

func writeScalar(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		buf.WriteString("null")
	case "!!bool":
		b, err := strconv.ParseBool(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: bad boolean %q", n.Line, n.Value)
		}
		buf.WriteString(strconv.FormatBool(b))
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		buf.Write(b)
	default:
		writeString(buf, n.Value)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string
	buf.Truncate(buf.Len() - 1)
}
