package transform_test

import (
	"fmt"
	"os"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// runExample runs a filter over a stream and prints the documents it adds,
// as the post-renderer writes them, then the report's summary.
func runExample(in string, filter kio.Filter, rep *report.Report) {
	nodes, err := kio.FromBytes([]byte(in))
	if err != nil {
		panic(err)
	}
	out, err := filter.Filter(nodes)
	if err != nil {
		panic(err)
	}
	input := map[*yaml.Node]bool{}
	for _, n := range nodes {
		input[n.YNode()] = true
	}
	for _, n := range out {
		if input[n.YNode()] {
			continue
		}
		b, err := manifest.Encode(n, yaml.CompactSequenceStyle)
		if err != nil {
			panic(err)
		}
		fmt.Print("---\n" + string(b))
	}
	if err := rep.WriteSummary(os.Stdout); err != nil {
		panic(err)
	}
}
