package transform

import (
	"os"
	"reflect"
	"testing"
)

// TestConfigReference: examples/config.yaml, the README's configuration
// reference, holds exactly the built-in defaults.
func TestConfigReference(t *testing.T) {
	f, err := os.Open("../examples/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := LoadConfig(f)
	if err != nil {
		t.Fatalf("examples/config.yaml: %v", err)
	}
	if want := DefaultConfig(); !reflect.DeepEqual(normalize(got), normalize(want)) {
		t.Errorf("examples/config.yaml differs from DefaultConfig():\nfile:     %+v\ndefaults: %+v", got, want)
	}
}

// normalize treats an empty list or map like a missing one: the file
// spells out "[]" where the defaults have nil.
func normalize(c Config) Config {
	v := reflect.ValueOf(&c).Elem()
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Field(i).CanSet() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice, reflect.Map:
			if v.Len() == 0 {
				v.Set(reflect.Zero(v.Type()))
				return
			}
			if v.Kind() == reflect.Slice {
				for i := range v.Len() {
					walk(v.Index(i))
				}
			}
		}
	}
	walk(v)
	return c
}
