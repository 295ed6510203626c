package manifest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// parseOnly parses a stream whose documents are all kept, or fails.
func parseOnly(t *testing.T, in string) []*Doc {
	t.Helper()
	docs := Split([]byte(in))
	if err := Parse(docs, KeepAll); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return docs
}

// reencode edits every kept document (a new key under the root) and
// encodes it again, as a transform and the writer do.
func reencode(t *testing.T, docs []*Doc) string {
	t.Helper()
	var out strings.Builder
	for _, d := range docs {
		out.WriteString(d.Separator)
		if d.Node == nil {
			out.Write(d.Raw)
			continue
		}
		if err := d.Node.PipeE(yaml.SetField("added", yaml.NewScalarRNode("x"))); err != nil {
			t.Fatal(err)
		}
		b, err := d.Encode()
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
	}
	return out.String()
}

// TestEncodeKeepsComments: a changed document keeps the comments go-yaml
// files with the document, and a line comment stays on its key.
func TestEncodeKeepsComments(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"head comment a blank line follows",
			"---\n# Source: web/templates/a.yaml\n\napiVersion: v1\nkind: ConfigMap\n",
			"---\n# Source: web/templates/a.yaml\n\napiVersion: v1\nkind: ConfigMap\nadded: x\n"},
		{"CRLF line endings",
			"---\r\n# Source: web/templates/a.yaml\r\napiVersion: v1\r\nkind: ConfigMap # cm\r\n",
			"---\r\n# Source: web/templates/a.yaml\r\napiVersion: v1\r\nkind: ConfigMap # cm\r\nadded: x\r\n"},
		{"comment after an end marker",
			"---\napiVersion: v1\nkind: ConfigMap\n...\n# kept\n",
			"---\napiVersion: v1\nkind: ConfigMap\nadded: x\n\n# kept\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := reencode(t, parseOnly(t, c.in))
			if got != c.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, c.want)
			}
		})
	}
}

// TestEncodeLineCommentOfFilledList: items added to "volumes: [] # c"
// make a block list; the comment stays on the volumes line.
func TestEncodeLineCommentOfFilledList(t *testing.T) {
	docs := parseOnly(t, "---\nspec:\n  volumes: [] # none needed\n  restartPolicy: Always\n")
	vols, err := docs[1].Node.Pipe(yaml.Lookup("spec", "volumes"))
	if err != nil {
		t.Fatal(err)
	}
	vols.YNode().Style = 0
	vols.YNode().Content = append(vols.YNode().Content, yaml.NewScalarRNode("tmp").YNode())
	b, err := docs[1].Encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := "spec:\n  volumes: # none needed\n  - tmp\n  restartPolicy: Always\n"; string(b) != want {
		t.Errorf("got:\n%s\nwant:\n%s", b, want)
	}
}

func TestFromCR(t *testing.T) {
	in := []byte("---\rapiVersion: v1\rkind: ConfigMap\r")
	lf, cr, err := FromCR(in)
	if err != nil || !cr || string(lf) != "---\napiVersion: v1\nkind: ConfigMap\n" {
		t.Errorf("CR-only stream: %q, %v, %v", lf, cr, err)
	}
	if back := ToCR(lf); !bytes.Equal(back, in) {
		t.Errorf("ToCR: %q", back)
	}
	for _, plain := range []string{"a: 1\n", "a: 1\r\nb: 2\r\n", ""} {
		if out, cr, err := FromCR([]byte(plain)); err != nil || cr || string(out) != plain {
			t.Errorf("%q: %q, %v, %v", plain, out, cr, err)
		}
	}
	_, _, err = FromCR([]byte("---\nkind: A\n---\nkind: B\rx: 1\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "document 2 (B), line 4: ") || !strings.Contains(err.Error(), "mixed line endings") {
		t.Errorf("mixed line endings: %v", err)
	}
}

// TestBadCharacterLine: bytes YAML does not allow are reported at their
// line, not at the document's first.
func TestBadCharacterLine(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"NUL", "---\nkind: A\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"x\x00y\"\n", "document 2 (ConfigMap), line 7: invalid YAML: control character NUL"},
		{"not UTF-8", "---\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: caf\xe9\n", "document 1 (ConfigMap), line 5: invalid YAML: byte 0xE9 is not UTF-8"},
		{"in a comment", "apiVersion: v1\n# \xff\nkind: ConfigMap\n", "document 1 (ConfigMap), line 2: invalid YAML: byte 0xFF"},
		{"in a document of comments only", "---\nkind: A\n---\n# one\n# two \x00\n---\nkind: B\n", "document 2, line 5: invalid YAML: control character NUL"},
		{"escape character", "---\na: 1\nb: \x1b[31m\n", "document 1, line 3: invalid YAML: control character U+001B"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Parse(Split([]byte(c.in)), KeepAll)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestDocumentNumbers: documents count from 1 whether or not the stream
// opens with "---"; a preamble of comments or directives is no document.
func TestDocumentNumbers(t *testing.T) {
	cases := []struct {
		in   string
		want []int // Number of each piece Split returns
	}{
		{"---\na: 1\n---\nb: 1\n", []int{0, 1, 2}},
		{"a: 1\n---\nb: 1\n", []int{1, 2}},
		{"# Source: x\n---\nb: 1\n", []int{0, 1}},
		{"%YAML 1.1\n---\nb: 1\n", []int{0, 1}},
		{"", []int{0}},
	}
	for _, c := range cases {
		var got []int
		for _, d := range Split([]byte(c.in)) {
			got = append(got, d.Number)
		}
		if !slicesEqual(got, c.want) {
			t.Errorf("%q: numbers %v, want %v", c.in, got, c.want)
		}
	}
	err := Parse(Split([]byte("kind: A\n---\nkind: B\nx: [\n")), KeepAll)
	if err == nil || !strings.HasPrefix(err.Error(), "document 2 (B)") {
		t.Errorf("error %v, want it in document 2", err)
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestYAMLDirective: "%YAML 1.1" before "---" is the next document's
// directive, not a document; with no document after it, it is refused.
func TestYAMLDirective(t *testing.T) {
	for _, in := range []string{"%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\n", "# c\n%YAML 1.2\n---\napiVersion: v1\nkind: A\n---\n%YAML 1.1\n---\nkind: B\n"} {
		docs := Split([]byte(in))
		if err := Parse(docs, KeepAll); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	err := Parse(Split([]byte("---\nkind: A\n---\n%YAML 1.1\n")), KeepAll)
	if err == nil || !strings.Contains(err.Error(), "directive") {
		t.Errorf("a trailing directive: %v", err)
	}
}

// TestAliasKeys: an alias used as a mapping key is read as the value it
// names, so a duplicate it makes is refused on the first run, not only
// once expanded; an alias key naming a list or mapping is refused.
func TestAliasKeys(t *testing.T) {
	for _, keep := range []Keep{KeepAll, keepNone} {
		err := Parse(Split([]byte("---\nkind: A\nmetadata:\n  name: &n b\n  labels:\n    b: 1\n    *n : 2\n")), keep)
		if err == nil || !strings.Contains(err.Error(), `line 7: duplicate key "b" (first at line 6)`) {
			t.Errorf("duplicate through an alias key: %v", err)
		}
		err = Parse(Split([]byte("---\nkind: A\nx: &m {a: 1}\ny:\n  *m : 2\n")), keep)
		if err == nil || !strings.Contains(err.Error(), "line 5: a mapping key that is a list or a mapping") {
			t.Errorf("alias key naming a mapping: %v", err)
		}
	}
	// Without a duplicate, the alias key is accepted, and so is the
	// expanded key on a second run.
	docs := parseOnly(t, "---\nkind: A\nmetadata:\n  name: &n b\n  labels:\n    *n : 2\n")
	b, err := docs[1].Encode()
	if err != nil {
		t.Fatal(err)
	}
	parseOnly(t, "---\n"+string(b))
}

// TestAliasBudgetPerStream: the alias limit holds for the whole stream,
// and counts what aliases copy, not the nodes of the document.
func TestAliasBudgetPerStream(t *testing.T) {
	// Each document copies 10^4+ nodes (under the limit on its own);
	// 300 of them copy far more than the limit.
	var stream strings.Builder
	for range 300 {
		stream.WriteString("---\n" + aliasBomb(5))
	}
	start := time.Now()
	err := Parse(Split([]byte(stream.String())), KeepAll)
	if err == nil || !strings.Contains(err.Error(), "aliases copy more than") {
		t.Errorf("300 documents under the limit each: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refusing took %v", d)
	}
	// A large document with one small anchor copies a few nodes.
	var big strings.Builder
	big.WriteString("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: big}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x\n        resources: &r {limits: {cpu: 1}}\n        env:\n")
	for i := range 30000 {
		big.WriteString("        - name: VAR_" + strings.Repeat("X", 10) + itoa(i%10) + "\n          value: \"" + strings.Repeat("v", 20) + "\"\n")
	}
	big.WriteString("      - name: b\n        image: x\n        resources: *r\n")
	if err := Parse(Split([]byte(big.String())), KeepAll); err != nil {
		t.Errorf("a %d-byte Deployment with one small alias: %v", big.Len(), err)
	}
}

// TestDirectiveAfterEndMarker: "...", then the next document's %YAML
// directive, then "---" is one document and a directive; re-encoded, the
// document keeps them after it.
func TestDirectiveAfterEndMarker(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\n...\n# next\n%YAML 1.1\n---\napiVersion: v1\nkind: Secret\n"
	got := reencode(t, parseOnly(t, in))
	want := "apiVersion: v1\nkind: ConfigMap\nadded: x\n...\n# next\n%YAML 1.1\n---\napiVersion: v1\nkind: Secret\nadded: x\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	parseOnly(t, got)
}
