package harden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/transform"
)

// FuzzRun feeds arbitrary streams through the whole pipeline: it must
// never panic, and whatever it outputs must parse again and come through a
// second pass unchanged.
func FuzzRun(f *testing.F) {
	addGoldenInputs(f)
	f.Add([]byte("---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: x}]}\n"))
	f.Add([]byte("--- {kind: Pod, spec: {containers: [{name: c}]}}\n"))
	f.Add([]byte("kind: Deployment\nspec:\n  template: &t\n    spec:\n      containers: []\n  other: *t\n"))
	cfg := transform.DefaultConfig()
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Run(in, cfg, nil)
		if err != nil {
			if out != nil {
				t.Fatalf("output with an error: %v", err)
			}
			return
		}
		docs := manifest.Split(out)
		if err := manifest.Parse(docs, manifest.KeepAll); err != nil {
			t.Fatalf("output does not parse: %v\ninput:\n%q\noutput:\n%q", err, in, out)
		}
		again, err := Run(out, cfg, nil)
		if err != nil {
			t.Fatalf("second pass failed: %v\noutput:\n%q", err, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("second pass changed the output\nfirst:\n%q\nsecond:\n%q", out, again)
		}
	})
}

// addGoldenInputs seeds a fuzz test with the golden cases' inputs.
func addGoldenInputs(f *testing.F) {
	inputs, _ := filepath.Glob("../testdata/*/input.yaml")
	for _, in := range inputs {
		if b, err := os.ReadFile(in); err == nil {
			f.Add(b)
		}
	}
}
