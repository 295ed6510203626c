package manifest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/synth"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestParseBlockMatchesYAML: documents of parseBlock's subset, each
// built by it, as yaml.v3 builds them. The cases are where the two could
// part: how a scalar resolves, where a null or a value stands (columns
// count characters), the comments at the top, lists at their key's
// column, quoting.
func TestParseBlockMatchesYAML(t *testing.T) {
	var docs []string
	for _, v := range []string{"<<", "~", "null", "Null", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "0x1F", "1_000", ".5", "+1", "-1",
		"1e3", "0o17", "0b101", "-0b101", "0777", "-.inf", ".NaN", "yes", "True", "FALSE", "on", "n", "1.0.0", "8080Mi", "-", "--flag", "0.", "+",
		"a b", "x:y", "http://a/b#c", "é", "'q'", "'it''s'", `"d"`, `"it's"`, "''", `""`, "[]", "{}", "[]  ", "x   "} {
		docs = append(docs, "k: "+v+"\n", "k:\n- "+v+"\n", "k:\n  - "+v+"\n  - x\n")
	}
	docs = append(docs,
		"k:\n", "k:   \nl: 1\n", "k:\n-\n-   \n- x\n", "k:\n  a:\n  b:\n", "a:\n  - b: 1\n    c:\n    - d\n    e: 2\n  - f\ng: h\n",
		"a:\n- b:\n  - c\n  d: e\n", "a:\n  b:\n    c:\n      d: 1\n  e: 2\n", "\"k\": v\n'l': w\n\"it's\": x\n80: x\ntrue: y\n",
		"é: b\nc: ü\nd:\n  ü: é\n  - x\n", "k: v\n\n\nl: w\n\n", "k: v",
		"# Source: a/b.yaml\napiVersion: v1\nkind: Service\n", "# one\n# two\n\nkind: x\n", "# one\n\n\n# two\nkind: x\n", "#\nk: v\n",
		"# c \nk: v\n", "# c\t\nk: v\n", "#\tc\nk: v\n", "\n# c\nk: v\n", "k: v # c\n", "k: v #c  \nl: 'w'   # d\nm:\n- x # e\n- n: y #f\n", "k: v#c\n", "k: 'v'#c\n", "k: v # c\t\n", "k: [] # c\n", "k: # c\n  l: v\n", "k:\n  # c\n  l: v\n", "k: v\n# c\n",
		"a: 1\n# c\nb: 2\n", "a:\n  x: 1\n  # c1\n  # c2\n  y: 2\n", "a:\n  x: 1\n# c\n  y: 2\n", "a:\n  x: 1\n  # c\nb: 2\n",
		"a:\n  b:\n    c: 1\n  # d\n  e: 2\n", "a:\n  - x\n  # c\n  - y\n", "a:\n  - n: 1\n    # c\n    m: 2\n", "a:\n  # c\n  - y\n",
		"a: 1\n\n# c\nb: 2\n", "a: 1\n# c\n\nb: 2\n", "a: 1\n# c\n  # d\nb: 2\n", "a:\n  # c\n  {}\n", "# h\na: 1\n# c\nb: 2 # l\n",
		"a:\n    # c\n  b: 1\n", "a:\n  b: 1\n    # c\n  d: 2\n", "a: |\n  # x\n  y\nb: 1\n",
		"a: |\n  x\n    y\n\n  z\n\nb: 1\n", "a: |-\n  x\n\n  # y\nb: 1\n", "a:\n- |\n  x\n- |-\n   y\n", "a: |\n  x\n  \n   \n  y\n", "a: |\n  x",
		"a:\n  - b: |\n      #!/bin/sh\n      echo \"$x\" # y\n    c: d\n", "a: |\n\n  x\n", "a: |\nb: 1\n", "a: |+\n  x\n\n", "a: | # c\n  x\n", "a: |2\n   x\n",
		"a: >\n  x\n  y\n", "- |\n  x\n", "a: |\n  x\n\n# c\nb: 1\n", "a: |\n  x\n  \tb\n", "a: |\n  x\n \n",
		"k: |\n  x\n", "k: x\n  y\n", "k: 'x\n  y'\n", "k: \"\\n\"\n", "k: [a]\n", "- a\n", "k:\n- - a\n", "k:\n  x\n", "k:\n  {}\nl:\n  []\nm:\n    'q'\nn:\n-\n  {}\n- [a, b]\n", "k:\n  x\n  y\n", "k:\n  {}\n  l: x\n",
	)
	accepted := 0
	for _, doc := range docs {
		if _, ok := scanBlock([]byte(doc)); !ok {
			continue
		}
		if _, ok := parseBlock([]byte(doc)); ok {
			accepted++
		}
		agreeParse(t, []byte(doc), "case")
	}
	if accepted == 0 {
		t.Error("parseBlock builds none of the cases")
	}
	t.Logf("parseBlock built %d of %d cases", accepted, len(docs))
}

// TestParseBlockComments runs agreeScan, and so agreeParse, over every
// document of up to five lines drawn from keys, list items, comments and
// blank lines at three indentations: where comment lines stand against
// the entries around them decides which node yaml.v3 gives them to.
func TestParseBlockComments(t *testing.T) {
	n := 5
	if testing.Short() {
		n = 4
	}
	walkShortDocuments(t, n, `head "#`, []string{"a: x", "b:", "- c", "- d: e", "#c", "# c # d"}, "", "k: v # c")
}

// TestParseBlockLiterals does the same for "|" blocks, up to five lines: where their lines
// end, blank lines in them and after them, "#" lines in them.
func TestParseBlockLiterals(t *testing.T) {
	n := 5
	if testing.Short() {
		n = 4
	}
	walkShortDocuments(t, n, "style 8", []string{"a: |", "b: |-", "- |", "- c: |", "x", "#y", "d: e"}, "")
}

// walkShortDocuments runs agreeScan over every document of up to n lines
// drawn from pieces at three indentations and from more lines as they
// are, and fails unless parseBlock built some documents whose tree holds
// want.
func walkShortDocuments(t *testing.T, n int, want string, pieces []string, more ...string) {
	var lines []string
	for _, indent := range []string{"", "  ", "    "} {
		for _, p := range pieces {
			lines = append(lines, indent+p)
		}
	}
	lines = append(lines, more...)
	built := 0
	var grow func(doc string, n int)
	grow = func(doc string, n int) {
		if doc != "" && agreeScan(t, []byte(doc), "document") {
			if root, ok := parseBlock([]byte(doc)); ok && strings.Contains(dumpTree(root), want) {
				built++
			}
		}
		if n == 0 {
			return
		}
		for _, l := range lines {
			grow(doc+l+"\n", n-1)
		}
	}
	grow("", n)
	if built == 0 {
		t.Errorf("parseBlock built no document whose tree holds %s", want)
	}
	t.Logf("parseBlock built %d documents whose tree holds %s", built, want)
}

// TestParseBlockReadsWorkloads: parseBlock is for rendered workloads; it
// builds every document of the synthetic umbrella streams (Deployments,
// Services, RBAC, NetworkPolicies, PodDisruptionBudgets, Ingresses), and
// as yaml.v3 does.
func TestParseBlockReadsWorkloads(t *testing.T) {
	for _, shape := range synth.Shapes {
		in, err := synth.Stream(shape, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range Split(in) {
			if !holdsContent(d.Raw) {
				continue
			}
			if _, ok := parseBlock(d.Raw); !ok {
				t.Errorf("%s: parseBlock declines %s:\n%s", shape, d.Label(), d.Raw)
			}
			agreeParse(t, d.Raw, shape+": "+d.Label())
		}
	}
}

// BenchmarkParseBlock builds the trees of a synthetic umbrella stream's
// documents with parseBlock and with yaml.v3.
func BenchmarkParseBlock(b *testing.B) {
	in, err := synth.Stream(synth.Shapes[0], 200)
	if err != nil {
		b.Fatal(err)
	}
	var docs [][]byte
	for _, d := range Split(in) {
		if holdsContent(d.Raw) {
			docs = append(docs, d.Raw)
		}
	}
	for _, parser := range []string{"parseBlock", "yaml.v3"} {
		b.Run(parser, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range docs {
					if parser == "parseBlock" {
						if _, ok := parseBlock(d); !ok {
							b.Fatal("declined")
						}
						continue
					}
					var n yaml.Node
					if err := yaml.NewDecoder(bytes.NewReader(d)).Decode(&n); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func Example_parseBlock() {
	doc, _ := parseBlock([]byte("# Source: app/deployment.yaml\nkind: Deployment\nspec:\n  replicas: 2\n"))
	fmt.Println(dumpTree(doc))
	// Output:
	// kind 1 style 0 tag "" value "" anchor "" alias false line 2 column 1 head "" line "" foot ""
	//   kind 4 style 0 tag "!!map" value "" anchor "" alias false line 2 column 1 head "" line "" foot ""
	//     kind 8 style 0 tag "!!str" value "kind" anchor "" alias false line 2 column 1 head "# Source: app/deployment.yaml" line "" foot ""
	//     kind 8 style 0 tag "!!str" value "Deployment" anchor "" alias false line 2 column 7 head "" line "" foot ""
	//     kind 8 style 0 tag "!!str" value "spec" anchor "" alias false line 3 column 1 head "" line "" foot ""
	//     kind 4 style 0 tag "!!map" value "" anchor "" alias false line 4 column 3 head "" line "" foot ""
	//       kind 8 style 0 tag "!!str" value "replicas" anchor "" alias false line 4 column 3 head "" line "" foot ""
	//       kind 8 style 0 tag "!!int" value "2" anchor "" alias false line 4 column 13 head "" line "" foot ""
}
