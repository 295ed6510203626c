package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func keepNone(*Doc) bool { return false }

func TestSplit(t *testing.T) {
	type doc struct {
		sep, raw string
		line     int
	}
	cases := []struct {
		name string
		in   string
		want []doc
	}{
		{"empty stream", "", []doc{{"", "", 1}}},
		{"no leading separator", "a: 1\nb: 2\n", []doc{{"", "a: 1\nb: 2\n", 1}}},
		{"leading separator", "---\na: 1\n---\nb: 2\n", []doc{
			{"", "", 1}, {"---\n", "a: 1\n", 2}, {"---\n", "b: 2\n", 4},
		}},
		{"text before the first separator is document 0", "# Source: x\na: 1\n---\nb: 2\n", []doc{
			{"", "# Source: x\na: 1\n", 1}, {"---\n", "b: 2\n", 4},
		}},
		{"separator with a comment", "--- # Source: chart/templates/a.yaml\na: 1\n", []doc{
			{"", "", 1}, {"--- # Source: chart/templates/a.yaml\n", "a: 1\n", 2},
		}},
		{"separator with inline content", "---\na: 1\n--- {b: 2}\n---\nc: 3\n", []doc{
			{"", "", 1}, {"---\n", "a: 1\n", 2}, {"--- {b: 2}\n", "", 4}, {"---\n", "c: 3\n", 5},
		}},
		{"separator followed by a tab or trailing blanks", "---\t\na: 1\n---   \nb: 2\n", []doc{
			{"", "", 1}, {"---\t\n", "a: 1\n", 2}, {"---   \n", "b: 2\n", 4},
		}},
		{"not separators: longer dashes, indented, inside a block scalar, a word", "a: |\n  ---\n ---\n----\n---x\n", []doc{
			{"", "a: |\n  ---\n ---\n----\n---x\n", 1},
		}},
		{"empty documents", "---\n---\n\n---\n", []doc{
			{"", "", 1}, {"---\n", "", 2}, {"---\n", "\n", 3}, {"---\n", "", 5},
		}},
		{"last line without a newline", "---\na: 1", []doc{{"", "", 1}, {"---\n", "a: 1", 2}}},
		{"separator as the last line, without a newline", "a: 1\n---", []doc{{"", "a: 1\n", 1}, {"---", "", 3}}},
		{"CRLF line ends", "---\r\na: 1\r\n---\r\nb: 2\r\n", []doc{
			{"", "", 1}, {"---\r\n", "a: 1\r\n", 2}, {"---\r\n", "b: 2\r\n", 4},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs := Split([]byte(c.in))
			if len(docs) != len(c.want) {
				t.Fatalf("%d documents, want %d", len(docs), len(c.want))
			}
			var joined strings.Builder
			for i, d := range docs {
				w := c.want[i]
				if d.Index != i || d.Separator != w.sep || string(d.Raw) != w.raw || d.Line != w.line {
					t.Errorf("document %d: index %d, separator %q, raw %q, line %d; want %d, %q, %q, %d",
						i, d.Index, d.Separator, d.Raw, d.Line, i, w.sep, w.raw, w.line)
				}
				joined.WriteString(d.Separator)
				joined.Write(d.Raw)
			}
			if joined.String() != c.in {
				t.Errorf("separators and raw text do not add up to the input:\n%q\n%q", joined.String(), c.in)
			}
		})
	}
}

func TestSourceComment(t *testing.T) {
	cases := []struct {
		name, raw, want string
	}{
		{"Helm 3 comment", "# Source: web/templates/deployment.yaml\napiVersion: v1\n", "web/templates/deployment.yaml"},
		{"after blank lines and other comments", "\n# generated\n\n# Source: web/templates/svc.yaml \napiVersion: v1\n", "web/templates/svc.yaml"},
		{"CRLF", "# Source: web/templates/a.yaml\r\nkind: A\r\n", "web/templates/a.yaml"},
		{"after content it is only a comment", "apiVersion: v1\n# Source: web/templates/a.yaml\n", ""},
		{"without the space", "#Source: web/templates/a.yaml\n", ""},
		{"none", "apiVersion: v1\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs := Split([]byte("---\n" + c.raw))
			if got := docs[1].Source; got != c.want {
				t.Errorf("Source = %q, want %q", got, c.want)
			}
		})
	}
}

// TestParseSourceAnnotation: Helm 4 names the template in an annotation;
// Parse reads it when no "# Source:" comment did.
func TestParseSourceAnnotation(t *testing.T) {
	docs := Split([]byte(`---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/service.yaml
---
# Source: web/templates/comment.yaml
apiVersion: v1
kind: Service
metadata:
  name: both
  annotations:
    postrenderer.helm.sh/postrender-filename: web/templates/annotation.yaml
`))
	if err := Parse(docs, keepNone); err != nil {
		t.Fatal(err)
	}
	if got := docs[1].Source; got != "web/templates/service.yaml" {
		t.Errorf("Source from the annotation = %q", got)
	}
	if got := docs[2].Source; got != "web/templates/comment.yaml" {
		t.Errorf("Source with comment and annotation = %q, want the comment's", got)
	}
}

func TestParse(t *testing.T) {
	docs := Split([]byte(`# leading comment only
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: example/web:1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
~
--- # Source: web/templates/empty.yaml
`))
	var asked []string
	var mu sync.Mutex
	err := Parse(docs, func(d *Doc) bool {
		mu.Lock() // Parse calls keep from several goroutines
		asked = append(asked, d.Kind+" "+d.Namespace+"/"+d.Name)
		mu.Unlock()
		return d.Kind == "Deployment"
	})
	if err != nil {
		t.Fatal(err)
	}
	// Keep sees each object with its identity read, and nothing else.
	slices.Sort(asked)
	if want := []string{"ConfigMap /settings", "Deployment shop/web"}; !slices.Equal(asked, want) {
		t.Errorf("Keep was asked about %q, want %q", asked, want)
	}
	if len(docs) != 5 {
		t.Fatalf("%d documents, want 5", len(docs))
	}
	dep, cm := docs[1], docs[2]
	if dep.APIVersion != "apps/v1" || dep.Kind != "Deployment" || dep.Name != "web" || dep.Namespace != "shop" {
		t.Errorf("Deployment read as %q %q %q %q", dep.APIVersion, dep.Kind, dep.Name, dep.Namespace)
	}
	if dep.Node == nil {
		t.Fatal("the kept Deployment has no Node")
	}
	if got := dep.Node.GetName(); got != "web" {
		t.Errorf("Node name %q", got)
	}
	if dep.SeqIndent != yaml.WideSequenceStyle {
		t.Errorf("the Deployment indents its list wide; SeqIndent = %v", dep.SeqIndent)
	}
	if cm.Kind != "ConfigMap" || cm.Name != "settings" || cm.Node != nil {
		t.Errorf("ConfigMap: kind %q, name %q, node %v; want ConfigMap, settings, no node", cm.Kind, cm.Name, cm.Node)
	}
	for _, i := range []int{0, 3, 4} {
		if d := docs[i]; d.Kind != "" || d.Node != nil {
			t.Errorf("document %d (empty, null or comments) has kind %q, node %v", i, d.Kind, d.Node)
		}
	}
	if docs[4].Source != "" {
		t.Errorf("a comment on the separator line is not a Source comment, got %q", docs[4].Source)
	}
}

func TestParseInlineDocument(t *testing.T) {
	docs := Split([]byte("--- {apiVersion: v1, kind: ConfigMap, metadata: {name: inline}}\n"))
	if err := Parse(docs, KeepAll); err != nil {
		t.Fatal(err)
	}
	d := docs[1]
	if d.Kind != "ConfigMap" || d.Name != "inline" || d.Node == nil {
		t.Errorf("inline document read as kind %q name %q node %v", d.Kind, d.Name, d.Node)
	}
	if got := SeparatorLine(d); got != "---\n" {
		t.Errorf("SeparatorLine of an inline document = %q, want a bare separator (the content is re-encoded)", got)
	}
	if got := SeparatorLine(&Doc{Separator: "--- # keep me\n"}); got != "--- # keep me\n" {
		t.Errorf("SeparatorLine with a comment = %q, want it kept", got)
	}
	if got := SeparatorLine(&Doc{}); got != "" {
		t.Errorf("SeparatorLine of document 0 = %q, want none", got)
	}
}

// TestParseErrors: every error names the document (index, kind, name,
// source) and the line of the whole stream, not of the document.
func TestParseErrors(t *testing.T) {
	const deployment = `---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
`
	cases := []struct {
		name, in, want string
	}{
		{"tab indentation",
			deployment + "---\nkind: ConfigMap\nmetadata:\n\tname: x\n",
			"document 2 (ConfigMap), line 10: invalid YAML: found character that cannot start any token"},
		{"bad indentation",
			deployment + "---\nkind: ConfigMap\nmetadata:\n  name: x\n   data: y\n",
			"document 2 (ConfigMap), line 11: invalid YAML: mapping values are not allowed in this context"},
		{"unterminated string, kind read from the text",
			deployment + "---\napiVersion: v1\nkind: \"Secret\" # quoted\nstringData:\n  key: \"abc",
			"document 2 (Secret), line 11: invalid YAML: found unexpected end of stream"},
		{"top-level list",
			deployment + "---\n- apiVersion: v1\n  kind: ConfigMap\n",
			"document 2, line 8: document is a YAML list, not a Kubernetes object (a mapping); Helm refuses it too"},
		{"plain value",
			deployment + "---\n\njust words\n",
			"document 2, line 9: document is a plain value, not a Kubernetes object (a mapping)"},
		{"duplicate key",
			deployment + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
			`document 2 (ConfigMap a), line 12: duplicate key "name" (first at line 11)`},
		{"duplicate key in a large mapping",
			deployment + "---\nkind: Secret\ndata:\n  a: 1\n  b: 2\n  c: 3\n  d: 4\n  e: 5\n  f: 6\n  g: 7\n  h: 8\n  b: 9\n",
			`document 2 (Secret), line 18: duplicate key "b" (first at line 11)`},
		{"duplicate key deep in a container",
			deployment + "spec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: a:1\n        image: b:1\n",
			`document 1 (Deployment web) from web/templates/deployment.yaml, line 13: duplicate key "image" (first at line 12)`},
		{"duplicate key in a flow mapping on the separator line",
			deployment + "--- {kind: A, kind: B}\n",
			`document 2 (A), line 7: duplicate key "kind" (first at line 7)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs := Split([]byte(c.in))
			err := Parse(docs, KeepAll)
			if err == nil {
				t.Fatal("no error")
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Errorf("error %T is not a *manifest.Error", err)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error\n  %q\nwant\n  %q", err.Error(), c.want)
			}
		})
	}
}

// TestParseErrorLines covers errors whose line go-yaml reports wrongly or
// not at all; each names the line a person should look at.
func TestParseErrorLines(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		lines []int  // acceptable stream lines
		label string // how the error must name the document
		bug   string
	}{
		{
			name: "unclosed flow mapping",
			// line 3 opens the mapping, line 4 is where it should have closed
			in:    "---\nkind: ConfigMap\nmetadata: {name: x\n",
			lines: []int{3, 4},
			label: "document 1 (ConfigMap), line ",
		},
		{
			name:  "error on the first line of a document",
			in:    "---\nkind: A\n---\n\tkind: B\n",
			lines: []int{4},
			label: "document 2 (B), line 4: ",
		},
		{
			name:  "a second document after a '...' end marker",
			in:    "---\nkind: A\nmetadata: {name: a}\n...\nkind: B\n",
			lines: []int{4, 5},
			label: "document 1 (A a), line ",
		},
		{
			name:  "unclosed flow sequence in a stream without a leading separator",
			in:    "kind: A\nmetadata:\n  name: a\n  bad: [\n",
			lines: []int{4, 5},
			label: "document 1 (A), line ",
		},
		{
			name:  "scanner error",
			in:    "---\nkind: A\nmetadata:\n  name: a\n   x: 1\n",
			lines: []int{5},
			label: "document 1 (A), line 5: ",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.bug != "" {
				t.Skip(c.bug)
			}
			err := Parse(Split([]byte(c.in)), KeepAll)
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("error %v is not a *manifest.Error", err)
			}
			if !strings.HasPrefix(err.Error(), c.label) {
				t.Errorf("error %q does not start %q", err, c.label)
			}
			for _, l := range c.lines {
				if perr.Line == l {
					return
				}
			}
			t.Errorf("error %q names line %d, want one of %v", err, perr.Line, c.lines)
		})
	}
}

func TestParseEndMarker(t *testing.T) {
	err := Parse(Split([]byte("---\nkind: A\n...\nkind: B\n")), KeepAll)
	var perr *Error
	if !errors.As(err, &perr) || perr.Doc.Index != 1 || !strings.Contains(err.Error(), `more than one YAML document without a "---" line`) {
		t.Errorf("error %v, want document 1 refused as two documents", err)
	}
}

func TestParseFirstErrorInStreamOrder(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		b.WriteString("---\nkind: ConfigMap\nmetadata:\n  name: cm\n")
		if i == 7 || i == 30 {
			b.WriteString("  name: again\n")
		}
	}
	err := Parse(Split([]byte(b.String())), keepNone)
	if err == nil || !strings.HasPrefix(err.Error(), "document 8 ") {
		t.Errorf("error %v, want the one of document 8, the first in the stream", err)
	}
}

// TestParseDuplicateKeysOfDocumentsNotKept: documents that pass through
// unparsed are still checked; the API server would refuse them.
func TestParseDuplicateKeysOfDocumentsNotKept(t *testing.T) {
	err := Parse(Split([]byte("---\nkind: ConfigMap\ndata:\n  a: 1\n  a: 2\n")), keepNone)
	if err == nil || !strings.Contains(err.Error(), `duplicate key "a"`) {
		t.Errorf("error %v, want a duplicate key error", err)
	}
}

func TestAliasesExpanded(t *testing.T) {
	docs := Split([]byte(`---
apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: &labels
    app: web
spec:
  containers:
  - name: a
    image: x
    env: &env
    - name: MODE
      value: prod
  - name: b
    image: x
    env: *env
  template:
    metadata:
      labels: *labels
`))
	if err := Parse(docs, KeepAll); err != nil {
		t.Fatal(err)
	}
	n := docs[1].Node
	var walk func(*yaml.Node)
	walk = func(y *yaml.Node) {
		if y.Kind == yaml.AliasNode || y.Anchor != "" {
			t.Errorf("alias or anchor left at line %d", y.Line)
		}
		for _, c := range y.Content {
			walk(c)
		}
	}
	walk(n.YNode())
	// The copies are independent: editing one edits only that one.
	if err := n.PipeE(yaml.Lookup("metadata", "labels"), yaml.SetField("tier", yaml.NewStringRNode("front"))); err != nil {
		t.Fatal(err)
	}
	other, err := n.Pipe(yaml.Lookup("spec", "template", "metadata", "labels", "tier"))
	if err != nil || other != nil {
		t.Errorf("editing the anchored labels changed the alias's copy too (%v, %v)", other, err)
	}
	env, err := n.Pipe(yaml.Lookup("spec", "containers", "[name=b]", "env", "[name=MODE]", "value"))
	if err != nil || env == nil || env.YNode().Value != "prod" {
		t.Errorf("container b's env was not copied from the anchor: %v, %v", env, err)
	}
}

// aliasBomb is a "billion laughs" document: each level aliases the one
// before it ten times.
func aliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: boom}\ndata:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < levels; i++ {
		b.WriteString("  l" + itoa(i) + ": &l" + itoa(i) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*l" + itoa(i-1))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func itoa(i int) string { return string(rune('0' + i)) }

// TestRecursiveAlias: an alias inside the node it names would expand
// forever; it is refused at once, in a document kept for the filters and
// in one passed through (Helm could not read it either), at its line.
func TestRecursiveAlias(t *testing.T) {
	for _, in := range []string{
		"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop}\nx: &a [1, *a]\n",
		"---\n&t\n c:\n r: *t\n",
	} {
		for name, keep := range map[string]Keep{"kept": KeepAll, "passed through": func(*Doc) bool { return false }} {
			start := time.Now()
			err := Parse(Split([]byte(in)), keep)
			if err == nil || !strings.Contains(err.Error(), "refers to a node that contains it") {
				t.Errorf("%s, %q: error %v", name, in, err)
			} else if want := fmt.Sprintf("line %d:", strings.Count(in, "\n")); !strings.Contains(err.Error(), want) {
				t.Errorf("%s, %q: %v does not name %s", name, in, err, want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusing a recursive alias took %v", d)
			}
		}
	}
}

func TestAliasBomb(t *testing.T) {
	start := time.Now()
	err := Parse(Split([]byte("---\n"+aliasBomb(9))), KeepAll)
	if err == nil || !strings.Contains(err.Error(), "aliases copy more than "+strconv.Itoa(MaxAliasNodes)+" nodes") {
		t.Errorf("alias bomb: error %v, want the alias limit", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refusing the alias bomb took %v", d)
	}
	// Below the limit (10^5 scalars), the same shape is fine.
	if err := Parse(Split([]byte("---\n"+aliasBomb(5))), KeepAll); err != nil {
		t.Errorf("aliases copying 10^5 nodes: %v", err)
	}
	// A document that is not kept is never expanded, so never refused.
	if err := Parse(Split([]byte("---\n"+aliasBomb(9))), keepNone); err != nil {
		t.Errorf("alias bomb in a document passed through as bytes: %v", err)
	}
}

func TestAliasToItself(t *testing.T) {
	done := make(chan error, 1)
	go func() { done <- Parse(Split([]byte("---\nkind: A\nx: &a [*a]\n")), KeepAll) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a self-referencing alias was accepted")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a self-referencing alias did not finish")
	}
}

func TestSeqIndent(t *testing.T) {
	cases := []struct {
		name string
		raw  string
		want yaml.SequenceIndentStyle
	}{
		{"no lists", "a: 1\nb:\n  c: 2\n", yaml.CompactSequenceStyle},
		{"compact", "containers:\n- name: a\n  ports:\n  - 80\n", yaml.CompactSequenceStyle},
		{"wide", "containers:\n  - name: a\n    ports:\n      - 80\n", yaml.WideSequenceStyle},
		{"wide wins by items",
			"args:\n  - a\n  - b\n  - c\nenv:\n- name: X\n", yaml.WideSequenceStyle},
		{"compact wins by items",
			"args:\n- a\n- b\n- c\nenv:\n  - name: X\n", yaml.CompactSequenceStyle},
		{"a tie is compact", "a:\n- x\nb:\n  - y\n", yaml.CompactSequenceStyle},
		{"items of a mapping in a list count by that list",
			"spec:\n  containers:\n    - name: a\n      args:\n        - x\n    - name: b\n", yaml.WideSequenceStyle},
		{"comments and blank lines do not count",
			"a:\n# - not an item\n\n  - x\n", yaml.WideSequenceStyle},
		{"CRLF", "a:\r\n  - x\r\n  - y\r\n", yaml.WideSequenceStyle},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := seqIndent([]byte(c.raw)); got != c.want {
				t.Errorf("seqIndent = %v, want %v", got, c.want)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	const in = `# Source: web/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web # the app's name
data:
  list: "a"
items:
- one
- two
`
	n, err := yaml.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	compact, err := Encode(n, yaml.CompactSequenceStyle)
	if err != nil {
		t.Fatal(err)
	}
	if string(compact) != in {
		t.Errorf("compact encoding does not keep the document:\n%s", compact)
	}
	wide, err := Encode(n, yaml.WideSequenceStyle)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(in, "- one\n- two\n", "  - one\n  - two\n", 1); string(wide) != want {
		t.Errorf("wide encoding:\n%s\nwant:\n%s", wide, want)
	}
}

func TestFingerprint(t *testing.T) {
	parse := func(s string) *yaml.Node {
		n, err := yaml.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return n.YNode()
	}
	base := "a: 1\nb: [x, y] # c\n"
	cases := []struct {
		name  string
		other string
		equal bool
	}{
		{"same", base, true},
		{"value", "a: 2\nb: [x, y] # c\n", false},
		{"style", "a: 1\nb:\n- x\n- y\n# c\n", false},
		{"quoting", "a: 1\nb: [\"x\", y] # c\n", false},
		{"comment", "a: 1\nb: [x, y] # d\n", false},
		{"tag", "a: \"1\"\nb: [x, y] # c\n", false},
		{"length", "a: 1\nb: [x, y, z] # c\n", false},
		{"key order", "b: [x, y] # c\na: 1\n", false},
	}
	equal := func(a, b *yaml.Node) bool { return FingerprintOf(a) == FingerprintOf(b) }
	for _, c := range cases {
		if got := equal(parse(base), parse(c.other)); got != c.equal {
			t.Errorf("%s: same fingerprint = %v, want %v", c.name, got, c.equal)
		}
	}
	long := parse(base)
	long.Content[1].Tag = "tag:yaml.org,2002:int"
	if !equal(parse(base), long) {
		t.Error("!!int and tag:yaml.org,2002:int are the same tag")
	}
	// A value moved into a comment, or across a node boundary, is a change.
	if equal(parse("a: xy\n"), parse("a: x # y\n")) || equal(parse("a: [ab, c]\n"), parse("a: [a, bc]\n")) {
		t.Error("different trees with one fingerprint")
	}
	if !equal(nil, nil) || equal(parse(base), nil) {
		t.Error("only nil has the fingerprint of nil")
	}
}

func TestLabelAndError(t *testing.T) {
	cases := []struct {
		doc  Doc
		want string
	}{
		{Doc{Number: 1}, "document 1"},
		{Doc{Number: 3, Kind: "Deployment"}, "document 3 (Deployment)"},
		{Doc{Number: 3, Kind: "Deployment", Name: "web"}, "document 3 (Deployment web)"},
		{Doc{Number: 3, Kind: "Deployment", Name: "web", Source: "web/templates/d.yaml"}, "document 3 (Deployment web) from web/templates/d.yaml"},
		{Doc{Number: 1, Source: "web/templates/notes.yaml"}, "document 1 from web/templates/notes.yaml"},
	}
	for _, c := range cases {
		if got := c.doc.Label(); got != c.want {
			t.Errorf("Label() = %q, want %q", got, c.want)
		}
	}
	d := &Doc{Number: 2, Kind: "Secret", Name: "db"}
	if got := (&Error{Doc: d, Line: 17, Msg: "bad"}).Error(); got != "document 2 (Secret db), line 17: bad" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&Error{Doc: d, Msg: "bad"}).Error(); got != "document 2 (Secret db): bad" {
		t.Errorf("Error() without a line = %q", got)
	}
}

func TestTopFields(t *testing.T) {
	for _, c := range []struct{ raw, apiVersion, kind string }{
		{"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n", "apps/v1", "Deployment"},
		{"kind: \"Service\" # the front\napiVersion: 'v1'\n", "v1", "Service"},
		{"# Source: x.yaml\r\nkind: ConfigMap\r\napiVersion: v1\r\n", "v1", "ConfigMap"},
		{"metadata:\n  kind: Nested\n  apiVersion: nested/v1\n", "", ""},
		{"kind: First\nkind: Second\n", "", "First"},
		{"\tkind: Tabbed\n", "", "Tabbed"},
		{"kindly: no\nkind:\n", "", ""},
		{"", "", ""},
	} {
		apiVersion, kind := TopFields([]byte(c.raw))
		if apiVersion != c.apiVersion || kind != c.kind {
			t.Errorf("TopFields(%q) = %q, %q; want %q, %q", c.raw, apiVersion, kind, c.apiVersion, c.kind)
		}
	}
}

// ParseRead hands the documents a Reader asks for to it, with the tree
// Parse would keep, and keeps none of them; one with an anchor it keeps.
func TestParseReadKeepsNoTree(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r%d\n  labels: {a: \"%d\"}\n# rules\nrules:\n- apiGroups: [\"\"]\n  resources:\n  - pods\n  - secrets-%d\n  verbs: [get, list]\n", i, i, i)
		if i%50 == 0 {
			b.WriteString("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 2\n")
			b.WriteString("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: &n anchored\n  labels: {name: *n}\nrules: []\n")
		}
	}
	in := []byte(b.String())
	isRole := func(d *Doc) bool { return d.Kind == "ClusterRole" }
	want := Split(in)
	if err := Parse(want, KeepAll); err != nil {
		t.Fatal(err)
	}
	got := Split(in)
	var mu sync.Mutex
	read := map[int]string{}
	err := ParseRead(got, KeepAll, func(d *Doc) Reader {
		if !isRole(d) {
			return nil
		}
		return func(d *Doc, root *yaml.RNode) {
			dump := dumpTree(root.YNode())
			mu.Lock()
			read[d.Index] = dump
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for i, d := range got {
		w := want[i]
		if w.Node == nil {
			continue
		}
		dump, wasRead := read[i]
		switch {
		case isRole(d) && w.aliases:
			kept++
			if wasRead || d.Read || d.Node == nil || dumpTree(d.Node.YNode()) != dumpTree(w.Node.YNode()) {
				t.Errorf("%s: a document with an anchor was read (%v) or not kept as Parse keeps it", d.Label(), wasRead)
			}
		case isRole(d):
			if !wasRead || !d.Read || d.Node != nil {
				t.Errorf("%s: read %v, Read %v, kept %v; want it read and not kept", d.Label(), wasRead, d.Read, d.Node != nil)
			} else if w := dumpTree(w.Node.YNode()); dump != w {
				t.Errorf("%s: the Reader saw\n%s\nwhere Parse keeps\n%s", d.Label(), dump, w)
			}
		default:
			if wasRead || d.Read || d.Node == nil {
				t.Errorf("%s: read, or not kept", d.Label())
			}
		}
		if d.Kind != w.Kind || d.Name != w.Name || d.Object != w.Object {
			t.Errorf("%s: kind, name or object differ from Parse's (%s %s %v)", d.Label(), w.Kind, w.Name, w.Object)
		}
	}
	if kept == 0 || len(read) != 200 {
		t.Fatalf("read %d roles, kept %d with anchors: the stream does not hold what the test is about", len(read), kept)
	}
}
