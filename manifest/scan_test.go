package manifest

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/corpus"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// agreeScan checks scanBlock against yaml.v3 on one document's text: what
// it accepts parses into one mapping with the fields it read. Of that,
// what parseBlock builds must be yaml.v3's tree. It tells whether
// scanBlock accepted the text.
func agreeScan(t *testing.T, text []byte, name string) bool {
	t.Helper()
	f, ok := scanBlock(text)
	if !ok {
		return false
	}
	agreeParse(t, text, name)
	d := &Doc{Raw: text, Line: 1}
	var parsed bool
	err := parseOne(d, func(*Doc) bool { parsed = true; return true }, nil, true)
	switch {
	case err != nil:
		t.Errorf("%s: scanBlock accepts what yaml.v3 refuses: %v\n%s", name, err, text)
	case !d.Object || !parsed || d.Node == nil:
		t.Errorf("%s: scanBlock accepts what is no mapping:\n%s", name, text)
	case d.APIVersion != f.apiVersion || d.Kind != f.kind || d.Name != f.name || d.Namespace != f.namespace || d.Source != f.source:
		t.Errorf("%s: scanBlock read %+v, yaml.v3 %q %q %q %q %q:\n%s", name, f, d.APIVersion, d.Kind, d.Name, d.Namespace, d.Source, text)
	}
	return true
}

// TestScanBlockMatchesYAML runs agreeScan over every document of the
// corpus and the golden cases, and counts the bytes scanBlock checked.
func TestScanBlockMatchesYAML(t *testing.T) {
	var scannedBytes, all int
	for name, data := range emitCases(t) {
		for _, d := range Split(data) {
			if separatorContent(d.Separator) != "" || !holdsContent(d.Raw) {
				continue
			}
			all += len(d.Raw)
			if agreeScan(t, d.Raw, name+": "+d.Label()) {
				scannedBytes += len(d.Raw)
			}
		}
	}
	t.Logf("scanBlock checked %d of %d bytes", scannedBytes, all)
}

// TestScanBlockReadsCRDs: the documents scanBlock is for, the
// CustomResourceDefinitions of real charts (most of a release's bytes),
// are all read by it, not parsed into trees only to be dropped.
func TestScanBlockReadsCRDs(t *testing.T) {
	crds := 0
	for _, f := range corpus.Files(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range Split(data) {
			if _, kind := TopFields(d.Raw); kind != "CustomResourceDefinition" {
				continue
			}
			crds++
			if _, ok := scanBlock(d.Raw); !ok {
				t.Errorf("%s: scanBlock declines %s", f, d.Label())
			}
		}
	}
	if crds == 0 {
		t.Error("the corpus holds no CustomResourceDefinition")
	}
}

// FuzzScanBlock: scanBlock never accepts a document yaml.v3 refuses or
// reads differently.
func FuzzScanBlock(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: b\ndata:\n  k: |\n    text\n    # not a comment\n  l: 'q'\n",
		"kind: X\nspec:\n  list:\n  - a\n  - b: c\n    d:\n    - e\n  text: one\n    two\n",
		"kind: X\nmetadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: t.yaml\n",
		"a: [x]\nb: {}\nc: \"d\\n\"\n",
		"a:\n  - b\n c: d\n",
		"a: b\n  c: d\n",
		"a:\n- b\nc: d\n",
		"a:\n- b\n- c: d\n  e: f\ng: h\n",
		"a: 'x\n  y'\nb: \"z\n  w\"\n",
		"a: |\n    x\n  b\n",
		"a: |-\n  x\n\n  y\nb: >\n  z\n",
		"a: x\n  - y\n  \"z\" w\n",
		"a: \"x\"\n  b\n",
		"a: x # c\n  y\n",
		"kind: a\n  b\n",
		"a:\n  {}\nb:\n  [x, 'y', \"z\"]\n",
		"a: [x, [y]]\nb: [a: b]\n",
		"metadata:\n  name:\n    x\n",
		"a: \"x\\\n  y\\ z\\u00e9\\x41\\\"\"\nb: \"\\ud800\"\nc: \"\\q\"\n",
		"# Source: c/t.yaml\n# more\n\nkind: X\nrules:\n  - verbs: [\"get\", 'it''s', x]\n    k:\n    -\n\"q\": é\n",
		"# Source: c/t.yaml\nk: <<\nl: [a:b, 0x1F , ~]\nm:   \n",
		"a:\n  - |\n    #!/bin/sh\n    x\n\n  - b: |-\n      y\n\n        z\n    c: d\n",
		"a:\n  # c\n  # d\n  b: 1 # e\n  c:\n    {}\n  # f\n  g:\n  - h: 'i' #j\n    # k\n    l: m\n",
		"a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\ni: 9\nj: 10\nk: 11\nl: 12\nm: 13\nn: 14\no: 15\np: 16\nq: 17\nr: 18\ns: 19\nt: 20\nu: 21\nv: 22\nw: 23\nx: 24\ny: 25\nz: 26\nA: 1\nB: 2\nC: 3\nD: 4\nE: 5\nF: 6\nG: 7\nH: 8\nI: 9\nJ: 10\na: dup\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		agreeScan(t, []byte(s), "input")
	})
}

// TestScanBlockShortValues runs agreeScan over every value of up to five
// characters drawn from YAML's indicators and a letter: as a value in a
// mapping and in a list, as a key, as the second line of a plain scalar
// and as a value on the line after its key; and every escape of a
// double-quoted scalar. Where the fuzzer finds such a case by chance
// ("[:a]", "\\/"), this finds them all.
func TestScanBlockShortValues(t *testing.T) {
	n := 5
	if testing.Short() {
		n = 3
	}
	for c := byte(0x20); c < 0x7F; c++ {
		agreeScan(t, []byte("k: \"\\"+string(c)+"x\"\n"), "escape")
	}
	shortStrings("[]{}-?:#,'\" a", n, func(v string) {
		for _, doc := range []string{"k: " + v + "\n", "k:\n- " + v + "\n", v + ": x\n", "k: a\n  " + v + "\n", "k:\n  " + v + "\n"} {
			agreeScan(t, []byte(doc), "value")
		}
	})
}

// shortStrings calls each with every string of up to n characters drawn
// from alphabet, the empty one included.
func shortStrings(alphabet string, n int, each func(string)) {
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		each(prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+string(c), n-1)
		}
	}
	grow("", n)
}

// TestScanBlockShortDocuments runs agreeScan over every document of up to
// three lines, each line one of a few entries, values and block or quoted
// scalar pieces at one of four indentations: the fuzzer's ground, walked
// in full.
func TestScanBlockShortDocuments(t *testing.T) {
	pieces := []string{"a:", "a: b", "b: |", "d: >-", "c: 'x", "x'", "c: \"x", "x\"", "- a", "-", "- a: b", "- |", "b", "#c", "[a]"}
	var lines []string
	for _, indent := range []string{"", " ", "  ", "    "} {
		for _, p := range pieces {
			lines = append(lines, indent+p)
		}
	}
	n := 3
	if testing.Short() {
		n = 2
	}
	var grow func(doc string, n int)
	grow = func(doc string, n int) {
		if doc != "" {
			agreeScan(t, []byte(doc), "document")
		}
		if n == 0 {
			return
		}
		for _, l := range lines {
			grow(doc+l+"\n", n-1)
		}
	}
	grow("", n)
}

// agreeParse checks that what parseBlock builds of text is the tree
// yaml.v3 builds, field for field.
func agreeParse(t *testing.T, text []byte, name string) {
	t.Helper()
	got, ok := parseBlock(text)
	if !ok {
		return
	}
	var want yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(text)).Decode(&want); err != nil {
		t.Errorf("%s: parseBlock builds what yaml.v3 refuses (%v):\n%s", name, err, text)
		return
	}
	if g, w := dumpTree(got), dumpTree(&want); g != w {
		t.Errorf("%s: parseBlock builds\n%s\nwhere yaml.v3 builds\n%s\nof\n%s", name, g, w, text)
	}
	// The same tree built in an arena that held the trees before it.
	inArena, ok := parseBlockIn(text, testArena)
	if !ok {
		t.Errorf("%s: parseBlock reads it, but not into an arena", name)
	} else if g, w := dumpTree(inArena), dumpTree(got); g != w {
		t.Errorf("%s: parseBlock builds in an arena\n%s\nwhere on the heap\n%s\nof\n%s", name, g, w, text)
	}
	testArena.reset()
}

// testArena is the arena agreeParse builds every tree in again.
var testArena = new(nodeArena)

// dumpTree writes every field of every node of a tree, a node a line.
func dumpTree(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node, indent string)
	walk = func(n *yaml.Node, indent string) {
		fmt.Fprintf(&b, "%skind %d style %d tag %q value %q anchor %q alias %v line %d column %d head %q line %q foot %q\n",
			indent, n.Kind, n.Style, n.Tag, n.Value, n.Anchor, n.Alias != nil, n.Line, n.Column, n.HeadComment, n.LineComment, n.FootComment)
		for _, c := range n.Content {
			walk(c, indent+"  ")
		}
	}
	walk(n, "")
	return b.String()
}
