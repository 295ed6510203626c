package manifest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/corpus"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// emitCases are the streams TestEmitFastMatchesYAML encodes: the corpus
// renders as charts write them, and the golden cases' inputs and hardened
// outputs (trees the filters built).
func emitCases(t *testing.T) map[string][]byte {
	files := corpus.Files(t)
	for _, pattern := range []string{"../testdata/*/*.yaml", "../harden/testdata/*/*.yaml"} {
		more, _ := filepath.Glob(pattern)
		files = append(files, more...)
	}
	cases := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[f] = data
	}
	return cases
}

// TestEmitFastMatchesYAML: whatever emitFast writes, yaml.v3 writes byte
// for byte, in both list indentations.
func TestEmitFastMatchesYAML(t *testing.T) {
	fast, all := 0, 0
	for name, data := range emitCases(t) {
		docs := Split(data)
		if Parse(docs, KeepAll) != nil {
			continue // the cases of broken input
		}
		for _, d := range docs {
			if d.Node == nil {
				continue
			}
			for _, style := range []yaml.SequenceIndentStyle{yaml.CompactSequenceStyle, yaml.WideSequenceStyle} {
				all++
				if compareEmit(t, d.document(), style, name+": "+d.Label()) {
					fast++
				}
			}
		}
	}
	t.Logf("emitFast wrote %d of %d documents", fast, all)
}

// compareEmit checks emitFast against yaml.v3 on one document and tells
// whether emitFast wrote it.
func compareEmit(t *testing.T, doc *yaml.Node, style yaml.SequenceIndentStyle, name string) bool {
	t.Helper()
	want, err := encodeYAML(doc, style)
	if err != nil {
		return false
	}
	got, err := encode(doc, style)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return false
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s (%s): emitFast differs from yaml.v3:\n%s", name, style, lineDiff(got, want))
		return true
	}
	root := doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	_, ok := emitFast(root, style)
	return ok
}

// lineDiff shows the first line where got and want part.
func lineDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n  emitFast: %q\n  yaml.v3:  %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("%d and %d lines", len(g), len(w))
}

// FuzzEmitFast: for any document that parses, emitFast writes what
// yaml.v3 writes, or declines.
func FuzzEmitFast(f *testing.F) {
	for _, s := range []string{
		"a: 1\nb:\n- x\n- y: z\n  w: [1]\n",
		"# head\nk: v # line\nm:\n  n: |\n    text\n    more\n  o: ''\n",
		"s: 'it''s'\nt: \"q\"\nu: -x\nv: a: b\n",
		"- a\n",
		"k:\n-\n- {}\n- []\n",
		"command: [\"sh\", '-c', x, 1, true, 'a:b']\nl:\n# above\n- a # after\n  # under\n- b\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		docs := Split([]byte(s))
		if Parse(docs, KeepAll) != nil {
			return
		}
		for _, d := range docs {
			if d.Node != nil {
				for _, style := range []yaml.SequenceIndentStyle{yaml.CompactSequenceStyle, yaml.WideSequenceStyle} {
					compareEmit(t, d.document(), style, d.Label())
				}
			}
		}
	})
}

// TestEmitFastShortValues compares emitFast with yaml.v3 on every scalar
// of up to four characters drawn from YAML's indicators, a space, a line
// break, a letter and a digit, as a key, as a value and as the items of a
// flow list, in each style and with and without a string tag.
func TestEmitFastShortValues(t *testing.T) {
	n := 4
	if testing.Short() {
		n = 2
	}
	styles := []yaml.Style{0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle}
	shortStrings("-?:#,'\"[ a0\\\n", n, func(v string) {
		for _, style := range styles {
			for _, tag := range []string{"", yaml.NodeTagString} {
				scalar := func() *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Style: style, Value: v} }
				key := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "k"}
				list := &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{scalar()}}
				flowKey := &yaml.Node{Kind: yaml.ScalarNode, Value: "f"}
				flowList := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{scalar(), scalar()}}
				doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, scalar(), scalar(), list, flowKey, flowList}}
				compareEmit(t, doc, yaml.CompactSequenceStyle, fmt.Sprintf("%q in style %d, tag %q", v, style, tag))
			}
		}
	})
}
