package transform

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestRegistry: every section is a key of the configuration file, every
// control says what it does, and the filters run in their stages, with
// the order the sections ask for.
func TestRegistry(t *testing.T) {
	for _, s := range sections {
		if s.Filter == nil || len(s.Controls) == 0 {
			t.Errorf("section %q: no filter or no control", s.Key)
		}
		if s.Key != "" && !configHasKey(reflect.TypeOf(Config{}), []string{s.Key}) {
			t.Errorf("section %q is not a key of the configuration file", s.Key)
		}
		for _, c := range s.Controls {
			if c.Does == "" {
				t.Errorf("control %s: no description", c.Name)
			}
			for rule := range c.Rules {
				if strings.Contains(rule, ".") {
					t.Errorf("control %s: rule %q holds a dot: the finding id is control.rule", c.Name, rule)
				}
			}
		}
	}
	pos := func(key string) int {
		return slices.IndexFunc(pipeline, func(s *Section) bool { return s.Key == key })
	}
	for i, s := range pipeline {
		if i > 0 && pipeline[i-1].Stage > s.Stage {
			t.Errorf("section %q runs after a later stage's", s.Key)
		}
		for _, b := range s.Before {
			if pos(b) < 0 || pos(b) < i {
				t.Errorf("section %q must run before %q", s.Key, b)
			}
		}
	}
}

// TestControlsDocumented: the README's table of controls and the list in
// examples/config.yaml name every control of the registry, so that a new
// control's documentation is not forgotten.
func TestControlsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../examples/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	list := strings.Join(strings.Fields(strings.ReplaceAll(string(example), "#", " ")), " ")
	for _, c := range Controls {
		if !strings.Contains(string(readme), "\n| `"+c+"` | ") {
			t.Errorf("README.md: the table of controls has no row for %s", c)
		}
		if !strings.Contains(list, " "+c+",") && !strings.Contains(list, " "+c+" ") {
			t.Errorf("examples/config.yaml: the list of control names lacks %s", c)
		}
	}
}
