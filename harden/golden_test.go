package harden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// TestGolden runs every testdata/<case>: input.yaml, with config.yaml over
// the defaults when present, must give expected.yaml and the summary in
// expected-summary.txt; and expected.yaml must come through unchanged.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob("../testdata/*/input.yaml")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, in := range cases {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cfg := transform.DefaultConfig()
			if f, err := os.Open(filepath.Join(dir, "config.yaml")); err == nil {
				cfg, err = transform.LoadConfig(f)
				f.Close()
				if err != nil {
					t.Fatalf("config.yaml: %v", err)
				}
			}
			input, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			rep := &report.Report{}
			out, err := Run(input, cfg, rep)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			var summary bytes.Buffer
			if err := rep.WriteSummary(&summary); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join(dir, "expected.yaml"), out)
			golden.Check(t, filepath.Join(dir, "expected-summary.txt"), summary.Bytes())
			again, err := Run(out, cfg, nil)
			if err != nil {
				t.Fatalf("second pass: %v", err)
			}
			if !bytes.Equal(again, out) {
				t.Errorf("not idempotent: a second pass changed the output:\n%s", again)
			}
		})
	}
}
