package graph

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"numberd/graph/generated"
)

// TestSchema_EverythingDescribed: every type, field, argument, input field
// and enum value of numberd's schema has a description (the playground's
// documentation is the schema).
func TestSchema_EverythingDescribed(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	builtin := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	for name, def := range s.Types {
		if strings.HasPrefix(name, "__") || builtin[name] || def.BuiltIn {
			continue
		}
		if def.Description == "" {
			t.Errorf("type %s has no description", name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if f.Description == "" {
				t.Errorf("%s.%s has no description", name, f.Name)
			}
			for _, a := range f.Arguments {
				if a.Description == "" {
					t.Errorf("%s.%s(%s) has no description", name, f.Name, a.Name)
				}
			}
		}
		if def.Kind == ast.Enum {
			for _, v := range def.EnumValues {
				if v.Description == "" {
					t.Errorf("enum value %s.%s has no description", name, v.Name)
				}
			}
		}
	}
}
