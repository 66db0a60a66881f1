package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
)

// Classifier is one number class (Kazoo's number_manager.classifiers):
// the first classifier whose regex matches the normalised number wins, in
// the configured order (decisions.md 18: the documented order, `unknown`
// last).
type Classifier struct {
	Name         string
	Regex        string
	FriendlyName string
	PrettyPrint  string
	Emergency    bool

	once sync.Once
	re   *regexp.Regexp
}

func (c *Classifier) compiled() *regexp.Regexp {
	c.once.Do(func() {
		re, err := regexp.Compile(c.Regex)
		if err != nil {
			re = regexp.MustCompile(`^$`)
		}
		c.re = re
	})
	return c.re
}

// Matches reports whether the normalised number belongs to the class.
func (c *Classifier) Matches(normalised string) bool { return c.compiled().MatchString(normalised) }

const usPretty = "SS(###) ### - ####"

// DefaultClassifiers returns Kazoo 4.3's built-in classifiers in their
// evaluation order (kazoo-number-manager.md §6).
func DefaultClassifiers() []*Classifier {
	return []*Classifier{
		{Name: "tollfree_us", Regex: `^\+1((?:800|88\d|877|866|855|844|833|822)\d{7})$`, FriendlyName: "US TollFree", PrettyPrint: usPretty},
		{Name: "toll_us", Regex: `^\+1(900\d{7})$`, FriendlyName: "US Toll", PrettyPrint: usPretty},
		{Name: "emergency", Regex: `^(911|922|933|988|833|811|711|999)$`, FriendlyName: "Emergency Dispatcher", Emergency: true},
		{Name: "caribbean", Regex: `^\+?1((?:684|264|268|242|246|441|284|345|767|809|829|849|473|671|876|664|670|787|939|869|758|784|721|868|649|340)\d{7})$`, FriendlyName: "Caribbean", PrettyPrint: usPretty},
		{Name: "did_us", Regex: `^(\+?1)?([2-9][0-9]{2}[2-9][0-9]{6})$`, FriendlyName: "US DID", PrettyPrint: usPretty},
		{Name: "international", Regex: `^\+([2-9]\d{7,})$`, FriendlyName: "International"},
		{Name: "unknown", Regex: `^(.*)$`, FriendlyName: "Unknown"},
	}
}

// Classify returns the first classifier matching raw (normalised first), or
// nil when none does (only possible without `unknown`).
func Classify(list []*Classifier, raw string) *Classifier {
	n := Normalize(raw)
	for _, c := range list {
		if c.Matches(n) {
			return c
		}
	}
	return nil
}

// ParseClassifiers reads classifiers from a JSON object in Kazoo's
// number_manager.classifiers shape, keeping the object's key order as the
// evaluation order: each value is a regex string or an object with regex,
// friendly_name (default: the name), pretty_print and emergency. Every
// regex must compile.
func ParseClassifiers(b []byte) ([]*Classifier, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("classifiers: want a JSON object of name → classifier")
	}
	var out []*Classifier
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("classifiers: %v", err)
		}
		name, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("classifiers: %s: %v", name, err)
		}
		c := &Classifier{Name: name, FriendlyName: name}
		var re string
		if json.Unmarshal(raw, &re) == nil {
			c.Regex = re
		} else {
			var obj struct {
				Regex        *string `json:"regex"`
				FriendlyName string  `json:"friendly_name"`
				PrettyPrint  string  `json:"pretty_print"`
				Emergency    bool    `json:"emergency"`
			}
			if err := json.Unmarshal(raw, &obj); err != nil {
				return nil, fmt.Errorf("classifiers: %s: want a regex string or an object", name)
			}
			c.Regex = "^$" // Kazoo: a classifier without regex matches nothing
			if obj.Regex != nil {
				c.Regex = *obj.Regex
			}
			if obj.FriendlyName != "" {
				c.FriendlyName = obj.FriendlyName
			}
			c.PrettyPrint, c.Emergency = obj.PrettyPrint, obj.Emergency
		}
		if _, err := regexp.Compile(c.Regex); err != nil {
			return nil, fmt.Errorf("classifiers: %s: bad regex: %v", name, err)
		}
		if name == "" || seen[name] {
			return nil, fmt.Errorf("classifiers: empty or repeated name %q", name)
		}
		seen[name] = true
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("classifiers: none given")
	}
	return out, nil
}
