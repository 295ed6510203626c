package harden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/corpus"
	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/pss"
	"github.com/chartsec/chartsec-harden/transform"
)

// TestCorpus runs every real render through the default configuration:
// nothing fails, every document comes out in order, documents the tool has
// no reason to touch are byte-identical, a second pass changes nothing, and
// every workload that is not host-level passes Pod Security Standards
// "restricted" as the upstream admission library evaluates it.
func TestCorpus(t *testing.T) {
	restricted, err := pss.NewEvaluator("restricted")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range corpus.Files(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg := transform.DefaultConfig()
			out, err := Run(in, cfg, nil)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			again, err := Run(out, cfg, nil)
			if err != nil {
				t.Fatalf("second pass: %v", err)
			}
			if !bytes.Equal(again, out) {
				t.Errorf("not idempotent")
			}
			scope := cfg.Scope(nil)
			inDocs, outDocs := parse(t, in, scope), parse(t, out, scope)
			checkKept(t, inDocs, outDocs, scope)
			if got, want := bytes.Count(out, []byte("# Source: ")), bytes.Count(in, []byte("# Source: ")); got < want {
				t.Errorf("# Source: comments: %d in, %d out", want, got)
			}
			for _, d := range outDocs {
				if d.Node == nil {
					continue
				}
				w := scope.Workload(d.Node)
				if w == nil || len(w.HostLevel()) > 0 {
					continue
				}
				vs, err := restricted.Evaluate(w.Template)
				if err != nil {
					t.Errorf("%s: %v", d.Label(), err)
				} else if len(vs) > 0 {
					t.Errorf("%s fails restricted: %s", d.Label(), pss.Join(vs))
				}
			}
		})
	}
}

func parse(t *testing.T, data []byte, scope *transform.Scope) []*manifest.Doc {
	t.Helper()
	docs := manifest.Split(data)
	if err := manifest.Parse(docs, keep(scope)); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return docs
}

// checkKept asserts that the input documents are a subsequence of the
// output ones, and that those whose kind the filters never parse are
// byte-identical.
func checkKept(t *testing.T, in, out []*manifest.Doc, scope *transform.Scope) {
	t.Helper()
	j := 0
	for _, d := range in {
		for j < len(out) && !sameObject(d, out[j]) {
			j++
		}
		if j == len(out) {
			t.Fatalf("%s is missing from the output, or out of order", d.Label())
		}
		if !scope.Needs(d.APIVersion, d.Kind) && !bytes.Equal(d.Raw, out[j].Raw) {
			t.Errorf("%s changed, but the tool has no reason to touch it", d.Label())
		}
		j++
	}
}

func sameObject(a, b *manifest.Doc) bool {
	if a.Kind != b.Kind || a.APIVersion != b.APIVersion || (a.Node == nil) != (b.Node == nil) {
		return false
	}
	if a.Node == nil {
		return bytes.Equal(a.Raw, b.Raw)
	}
	return a.Node.GetName() == b.Node.GetName() && a.Node.GetNamespace() == b.Node.GetNamespace()
}
