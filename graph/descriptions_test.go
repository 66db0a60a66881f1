package graph_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestSchema_EveryElementDescribed keeps the playground's documentation
// explorer a usable reference: every type, field, argument, input field and
// enum value of graph/*.graphqls has a description. Built-in scalars and
// introspection types are not ours; the codegen-only @goField directive is
// not part of the API.
func TestSchema_EveryElementDescribed(t *testing.T) {
	files, err := filepath.Glob("*.graphqls")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema files: %v", err)
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	schema, gqlErr := gqlparser.LoadSchema(sources...)
	if gqlErr != nil {
		t.Fatal(gqlErr)
	}
	missing := undescribed(schema)
	for _, m := range missing {
		t.Errorf("no description: %s", m)
	}
	if len(missing) > 0 {
		t.Logf("%d schema elements lack a description; add a \"...\" string before each", len(missing))
	}
}

// undescribed lists the schema elements without a description, as
// "Type", "Type.field", "Type.field(arg)" or "Enum.VALUE".
func undescribed(s *ast.Schema) []string {
	var out []string
	blank := func(d string) bool { return strings.TrimSpace(d) == "" }
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if blank(def.Description) {
			out = append(out, name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if blank(f.Description) {
				out = append(out, name+"."+f.Name)
			}
			for _, a := range f.Arguments {
				if blank(a.Description) {
					out = append(out, name+"."+f.Name+"("+a.Name+")")
				}
			}
		}
		for _, v := range def.EnumValues {
			if blank(v.Description) {
				out = append(out, name+"."+v.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestSchema_UndescribedIsCaught proves the check above finds every kind of
// undocumented element.
func TestSchema_UndescribedIsCaught(t *testing.T) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "x.graphqls", Input: `
"ok" type Query { "ok" a(b: Int): E  c: Int }
type T { "ok" d: Int }
"ok" enum E { "ok" X Y }
"ok" input I { e: Int }
`})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(undescribed(s), " ")
	want := "E.Y I.e Query.a(b) Query.c T"
	if got != want {
		t.Errorf("undescribed = %q, want %q", got, want)
	}
}
