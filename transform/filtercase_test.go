package transform

import (
	"slices"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// filterCase is one row of a filter's table test. The filter tests of this
// package share it and runFilterCases.
type filterCase struct {
	name string
	// config changes DefaultConfig for this case; nil keeps the defaults.
	config func(*Config)
	// input holds one or more documents, separated by "---" lines.
	input string
	// expected is the output, as kyaml prints it; "" means the filter must
	// leave the input exactly as it is.
	expected string
	// findings are the report's findings, as findingKeys writes them.
	findings []string
	// bug, when set, skips the case: the expected output is the right
	// behaviour and the code does not have it yet.
	bug string
}

// runFilterCases runs each case through the filter that pick builds from
// the case's configuration, with a Scope from that configuration.
func runFilterCases(t *testing.T, cases []filterCase, pick func(Config, *Scope) kio.Filter) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.bug != "" {
				t.Skip(c.bug)
			}
			cfg := DefaultConfig()
			if c.config != nil {
				c.config(&cfg)
			}
			rep := &report.Report{}
			nodes := parseDocs(t, c.input)
			out, err := pick(cfg, cfg.Scope(rep)).Filter(nodes)
			if err != nil {
				t.Fatalf("Filter: %v", err)
			}
			want := c.expected
			if want == "" {
				want = c.input
			}
			if got := printDocs(t, out); got != strings.TrimPrefix(want, "\n") {
				t.Errorf("output differs\n--- got:\n%s--- want:\n%s", got, strings.TrimPrefix(want, "\n"))
			}
			if got := findingKeys(rep); !slices.Equal(got, c.findings) {
				t.Errorf("findings differ\ngot:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.findings, "\n  "))
			}
		})
	}
}

// parseDocs parses documents separated by "---" lines.
func parseDocs(t *testing.T, in string) []*yaml.RNode {
	t.Helper()
	var nodes []*yaml.RNode
	for _, d := range strings.Split(strings.TrimPrefix(in, "\n"), "---\n") {
		if strings.TrimSpace(d) == "" {
			continue
		}
		n, err := yaml.Parse(d)
		if err != nil {
			t.Fatalf("parsing the input: %v\n%s", err, d)
		}
		nodes = append(nodes, n)
	}
	return nodes
}

func printDocs(t *testing.T, nodes []*yaml.RNode) string {
	t.Helper()
	var docs []string
	for _, n := range nodes {
		docs = append(docs, n.MustString())
	}
	return strings.Join(docs, "---\n")
}

// findingKeys writes each finding as "<severity>[ changed] <control>/<rule>[ <container>]",
// e.g. "warning changed podSecurity/runAsUser main".
func findingKeys(rep *report.Report) []string {
	var out []string
	for _, f := range rep.Findings() {
		k := f.Severity.String()
		if f.Changed {
			k += " changed"
		}
		k += " " + f.Control + "/" + f.Rule
		if f.Container != "" {
			k += " " + f.Container
		}
		out = append(out, k)
	}
	return out
}
