package manifest

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TypeError is a field whose YAML does not decode into the Go type of
// the Kubernetes API: the API server would refuse the document.
type TypeError struct {
	Line int    // line of the field's value, in the parsed text
	Path string // e.g. spec.template.spec.volumes
	Got  string // what the YAML holds, e.g. "a mapping"
	Want string // what the API expects, e.g. "a list"
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("%s is %s, the Kubernetes API expects %s: the API server would refuse this document", e.Path, e.Got, e.Want)
}

// CheckTypes reports the first field under n whose kind of YAML node, or
// whose scalar read under YAML 1.1 (as sigs.k8s.io/yaml reads it), does
// not fit the Go type t of the Kubernetes API (a struct such as
// corev1.PodTemplateSpec), in document order. Keys t does not know are
// not checked. path names n in messages ("" for a document).
func CheckTypes(n *yaml.Node, t reflect.Type, path string) *TypeError {
	err := checkTypes(n, t)
	if err == nil {
		return nil
	}
	// The path was built on the way back from the field, so that the
	// fields that fit cost no string.
	err.Path = strings.TrimPrefix(path+err.Path, ".")
	if err.Path == "" {
		err.Path = "the document"
	}
	return err
}

// checkTypes is CheckTypes with the error's path relative to n: "" for n,
// ".key" or "[i]" and on for what is under it.
func checkTypes(n *yaml.Node, t reflect.Type) *TypeError {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.ScalarNode && Resolve11(n) == Null11 {
		return nil // null decodes into anything
	}
	bad := func(want string) *TypeError {
		return &TypeError{Line: n.Line, Got: describe11(n), Want: want}
	}
	switch t {
	case intOrStringType:
		if n.Kind == yaml.ScalarNode && (Resolve11(n) == Int11 || Resolve11(n) == Str11) {
			return nil
		}
		return bad("a number or a string")
	case quantityType:
		if n.Kind == yaml.ScalarNode && Resolve11(n) != Bool11 {
			return nil
		}
		return bad("a quantity (a number or a string)")
	case timeType:
		if n.Kind == yaml.ScalarNode && Resolve11(n) == Str11 {
			return nil
		}
		return bad("a time (a string)")
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // a type with its own JSON reading (RawExtension, ...): not checked
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return bad("a mapping")
		}
		fields := jsonFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			f, ok := fields[k.Value]
			if !ok || k.Kind != yaml.ScalarNode {
				continue
			}
			if err := checkField(k, n.Content[i+1], f); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return bad("a mapping")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkField(n.Content[i], n.Content[i+1], t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // []byte: base64 text
			if n.Kind == yaml.ScalarNode && Resolve11(n) == Str11 {
				return nil
			}
			return bad("a string")
		}
		if n.Kind != yaml.SequenceNode {
			return bad("a list")
		}
		for i, c := range n.Content {
			if err := checkTypes(c, t.Elem()); err != nil {
				err.Path = "[" + strconv.Itoa(i) + "]" + err.Path
				return err
			}
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || Resolve11(n) != Bool11 {
			return bad("true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || Resolve11(n) != Int11 && !integralFloat(n) {
			return bad("an integer")
		}
	case reflect.Float32, reflect.Float64:
		if n.Kind != yaml.ScalarNode || (Resolve11(n) != Int11 && Resolve11(n) != Float11) {
			return bad("a number")
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode || Resolve11(n) != Str11 {
			return bad("a string")
		}
	}
	return nil
}

// checkField checks a mapping's value; a value of the wrong kind is
// reported at its key's line (a mapping's own line is its first key's).
func checkField(key, value *yaml.Node, t reflect.Type) *TypeError {
	err := checkTypes(value, t)
	if err != nil {
		if err.Path == "" {
			err.Line = key.Line
		}
		err.Path = "." + key.Value + err.Path
	}
	return err
}

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
	quantityType    = reflect.TypeFor[resource.Quantity]()
	timeType        = reflect.TypeFor[metav1.Time]()
)

// integralFloat reports whether a YAML 1.1 float such as 3.0 reaches the
// API server as an integer: encoding/json writes integral floats below
// 1e21 without a point.
func integralFloat(n *yaml.Node) bool {
	if Resolve11(n) != Float11 {
		return false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	return err == nil && f == math.Trunc(f) && math.Abs(f) < 1e21
}

// describe11 says what a node is as Kubernetes reads it.
func describe11(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch Resolve11(n) {
		case Str11:
			return fmt.Sprintf("a string (%q)", n.Value)
		case Bool11:
			v, _ := Bool(n)
			if n.Value != fmt.Sprint(v) {
				return fmt.Sprintf("a bool (%s: YAML 1.1, which Kubernetes reads, makes it %v; quote it for a string)", n.Value, v)
			}
			return fmt.Sprintf("a bool (%v)", v)
		case Int11, Float11:
			return fmt.Sprintf("a number (%s; quote it for a string)", n.Value)
		}
		return fmt.Sprintf("%s %s", n.ShortTag(), n.Value)
	}
	return "not a value"
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps a struct's JSON keys to their types, with the fields of
// inlined (embedded) structs, as encoding/json reads them.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if name == "" && f.Anonymous {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, dup := m[k]; !dup {
						m[k] = v
					}
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}
