package manifest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	v3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

// scalars11 are plain scalars whose YAML 1.1 and 1.2 readings differ, or
// that look like they might.
var scalars11 = []string{
	"yes", "Yes", "YES", "yEs", "y", "Y", "no", "No", "NO", "n", "N", "on", "On", "ON", "oN", "off", "Off", "OFF",
	"true", "True", "TRUE", "tRUE", "false", "False", "FALSE", "null", "Null", "NULL", "nUll", "~",
	"0", "7", "-7", "+7", "0755", "0o17", "0x1F", "0X1f", "0b101", "-0b101", "1_000", "1e3", "1E3", "1.10", "1.", ".5", "-.5",
	"1.2.3", "1e", "12:30", "1:20:30", "2001-12-14", "2001-12-14T21:59:43.10Z", "2001-12-14 21:59:43.10", "2001-1-2",
	"0x", "08", "09.5", "1__0", "_1", "18446744073709551615", "99999999999999999999",
	"web", "app.kubernetes.io", "v1.2.3", "=", "+", "abc123", "123abc", "1_", "0.0.0.0", "10.0.0.0/8",
	"0b+0", "0b-1", "-0b-1",
}

// TestResolve11MatchesKubernetes compares Resolve11 with what
// sigs.k8s.io/yaml, Kubernetes' decoder, makes of each plain scalar.
func TestResolve11MatchesKubernetes(t *testing.T) {
	for _, s := range scalars11 {
		compareResolve11(t, s)
	}
}

// FuzzResolve11MatchesKubernetes: ResolvePlain11 reads any plain scalar
// that starts like a number as Kubernetes does.
func FuzzResolve11MatchesKubernetes(f *testing.F) {
	for _, s := range scalars11 {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || !strings.ContainsRune("+-.0123456789", rune(s[0])) || !plainNumberish(s) {
			return
		}
		if _, err := k8syaml.YAMLToJSON([]byte("v: " + s + "\n")); err != nil {
			return // not a scalar there ("-")
		}
		compareResolve11(t, s)
	})
}

// plainNumberish is a one-line scalar of printable ASCII that YAML reads
// as plain and whole: no indicator that ends or changes it.
func plainNumberish(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || strings.IndexByte("#:,[]{}&*!|>'\"%@`", c) >= 0 {
			return false
		}
	}
	return true
}

func compareResolve11(t *testing.T, s string) {
	t.Helper()
	j, err := k8syaml.YAMLToJSON([]byte("v: " + s + "\n"))
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(j, &m); err != nil {
		t.Fatal(err)
	}
	raw := string(m["v"])
	want := Float11
	switch {
	case strings.HasPrefix(raw, `"`):
		want = Str11
	case raw == "true" || raw == "false":
		want = Bool11
	case raw == "null":
		want = Null11
	case !strings.ContainsAny(raw, ".eE"):
		want = Int11
	}
	got := ResolvePlain11(s)
	if got == Float11 && want == Int11 { // YAMLToJSON writes integral floats without a point
		want = Float11
	}
	if got != want {
		t.Errorf("ResolvePlain11(%q) = %v, Kubernetes reads %s", s, got, raw)
	}
}

func TestBoolAndInt(t *testing.T) {
	node := func(src string) *yaml.Node {
		rn, err := yaml.Parse("v: " + src)
		if err != nil {
			t.Fatal(err)
		}
		return rn.Field("v").Value.YNode()
	}
	for _, tc := range []struct {
		src      string
		val, set bool
	}{
		{"true", true, true}, {"True", true, true}, {"yes", true, true}, {"On", true, true}, {"Y", true, true},
		{"False", false, true}, {"off", false, true}, {"NO", false, true}, {"n", false, true},
		{`"true"`, false, false}, {"'yes'", false, false}, {"tRue", false, false}, {"~", false, false}, {"1", false, false},
		{".nan", false, false}, {"!!bool true", true, true}, {"!!str true", false, false},
	} {
		v, set := Bool(node(tc.src))
		if v != tc.val || set != tc.set {
			t.Errorf("Bool(%s) = %v, %v; want %v, %v", tc.src, v, set, tc.val, tc.set)
		}
	}
	for _, tc := range []struct {
		src string
		val int64
		ok  bool
	}{
		{"0", 0, true}, {"0x0", 0, true}, {"0755", 493, true}, {"0x1F", 31, true}, {"1_000", 1000, true}, {"0b11", 3, true},
		{"-0b11", -3, true}, {`"0"`, 0, false}, {"1e3", 1000, true}, {"80.0", 80, true}, {"1.5", 0, false}, {"zero", 0, false},
	} {
		v, ok := Int(node(tc.src))
		if v != tc.val || ok != tc.ok {
			t.Errorf("Int(%s) = %v, %v; want %v, %v", tc.src, v, ok, tc.val, tc.ok)
		}
	}
}

// TestString11ReadsBack writes each value as String11 and reads it back
// with Kubernetes' decoder and with yaml.v3: both must see the string.
func TestString11ReadsBack(t *testing.T) {
	values := append([]string{"", " ", "-", "a: b", "#x", "yes\nno"}, scalars11...)
	for _, s := range values {
		doc := yaml.NewRNode(&yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap,
			Content: []*yaml.Node{String11(s), String11(s)}})
		out, err := Encode(doc, yaml.CompactSequenceStyle)
		if err != nil {
			t.Fatal(err)
		}
		// YAMLToJSON without a target type, as kubectl and Helm read
		// objects (Unmarshal into a string field would convert).
		j, err := k8syaml.YAMLToJSON(out)
		if err != nil {
			t.Errorf("%q: Kubernetes cannot read %s: %v", s, out, err)
			continue
		}
		var k8s map[string]any
		if err := json.Unmarshal(j, &k8s); err != nil {
			t.Fatal(err)
		}
		var y12 map[string]any
		if err := v3.Unmarshal(out, &y12); err != nil {
			t.Fatal(err)
		}
		if v, ok := k8s[s].(string); !ok || v != s {
			t.Errorf("%q written as %q: Kubernetes reads %v", s, out, k8s)
		}
		if v, ok := y12[s].(string); !ok || v != s {
			t.Errorf("%q written as %q: yaml.v3 reads %v", s, out, y12)
		}
		if s != "" && (sexagesimal11.MatchString(s) || timestampAny11.MatchString(s)) && !strings.Contains(string(out), `"`) {
			t.Errorf("%q written plain (%q): other YAML 1.1 decoders read it as a number or a time", s, out)
		}
	}
}

// FuzzPlainWord: the shortcut in NeedsQuotes11 never calls a string plain
// that the full check would quote.
func FuzzPlainWord(f *testing.F) {
	for _, s := range append([]string{"ALL", "RuntimeDefault", "TCP", "app.kubernetes.io/name", "a-b_c.d"}, scalars11...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plainWord(s) && needsQuotes11(s) {
			t.Errorf("%q: the shortcut writes it plain, the full check quotes it", s)
		}
	})
}

// FuzzPlainWordResolves: a word is a string to yaml.v3's resolver too,
// which emitFast relies on.
func FuzzPlainWordResolves(f *testing.F) {
	for _, s := range append([]string{"ALL", "RuntimeDefault", "a-b_c.d/e"}, scalars11...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plainWord(s) {
			if tag := (&yaml.Node{Kind: yaml.ScalarNode, Value: s}).ShortTag(); tag != yaml.NodeTagString {
				t.Errorf("%q: a word, but yaml.v3 resolves it as %s", s, tag)
			}
		}
	})
}

// TestNonSpecificTag: a plain scalar tagged "!" is a string, as YAML and
// Kubernetes read it, though go-yaml v3 reads it by its value; a kept
// document that is written again writes it quoted.
func TestNonSpecificTag(t *testing.T) {
	in := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    ! 00000: x\n    a: ! 0755\n    b: &y ! yes\n    c: !!str 1\n    d: 0755\n    é: ! 1\n"
	docs := Split([]byte(in))
	if err := Parse(docs, KeepAll); err != nil {
		t.Fatal(err)
	}
	labels := docs[0].Node.YNode().Content[5].Content[3]
	var k8s map[string]any
	if err := k8syaml.Unmarshal([]byte(in), &k8s); err != nil {
		t.Fatal(err)
	}
	want := k8s["metadata"].(map[string]any)["labels"].(map[string]any)
	for i := 0; i+1 < len(labels.Content); i += 2 {
		k, v := labels.Content[i], labels.Content[i+1]
		_, kStr := want[k.Value]
		wantStr := false
		if kStr {
			_, wantStr = want[k.Value].(string)
		}
		if gotStr := Resolve11(v) == Str11; kStr && gotStr != wantStr {
			t.Errorf("%s: %q read as a string %v, Kubernetes %v", k.Value, v.Value, gotStr, wantStr)
		}
		if !kStr {
			t.Errorf("key %q: Kubernetes has no such key (%v)", k.Value, want)
		}
	}
}

// TestFlowNulls: the empty nulls of flow collections stay nulls when a
// kept document is written again (go-yaml v3 alone writes them as ”).
func TestFlowNulls(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\na: {e}\nb: [x, {f: }]\nc:\n"
	docs := Split([]byte(in))
	if err := Parse(docs, KeepAll); err != nil {
		t.Fatal(err)
	}
	out, err := docs[0].Encode()
	if err != nil {
		t.Fatal(err)
	}
	var before, after map[string]any
	if err := k8syaml.Unmarshal([]byte(in), &before); err != nil {
		t.Fatal(err)
	}
	if err := k8syaml.Unmarshal(out, &after); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("written again:\n%s\nreads %v, not %v", out, after, before)
	}
	if strings.Contains(string(out), "null") {
		t.Errorf("written again:\n%s\nspells out a null the input left empty", out)
	}
}
