package harden

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/transform"
)

// TestBigStreams: a 50 MB stream (the corpus repeated) comes through, and a
// single 20 MB document (a huge CRD) comes through byte for byte.
func TestBigStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("big inputs")
	}
	cfg := transform.DefaultConfig()
	t.Run("50MB corpus stream", func(t *testing.T) {
		var in []byte
		for len(in) < 50<<20 {
			in = append(in, corpusStream(t, 1)...)
		}
		out, err := Run(in, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) < len(in) {
			t.Errorf("output (%d bytes) is shorter than the input (%d bytes)", len(out), len(in))
		}
	})
	t.Run("20MB document", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("---\n# Source: big/crds/huge.yaml\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: huges.example.com\nspec:\n  versions:\n")
		for i := 0; b.Len() < 20<<20; i++ {
			fmt.Fprintf(&b, "  - name: v%d\n    schema:\n      openAPIV3Schema:\n        description: \"field %d of a very large generated schema, with some text to fill the line\"\n        type: object\n", i, i)
		}
		in := []byte(b.String())
		out, err := Run(in, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, in) {
			t.Errorf("the 20 MB document did not come through byte for byte")
		}
	})
}

// TestHeapGrowth: the guess made before the parse counts the documents
// the filters read, not those that pass through as bytes (a large CRD).
func TestHeapGrowth(t *testing.T) {
	deployment := "# Source: a/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n"
	crd := "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: bs.example.com\n" + strings.Repeat("# padding\n", 1000)
	configMap := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
	docs := manifest.Split([]byte(deployment + "---\n" + crd + "---\n" + configMap))
	scope := transform.DefaultConfig().Scope(nil)
	if got, want := heapGrowth(docs, keep(scope)), len(deployment)*growthPerByte; got != want {
		t.Errorf("heapGrowth = %d, want %d (the Deployment's bytes times %d)", got, want, growthPerByte)
	}
}
