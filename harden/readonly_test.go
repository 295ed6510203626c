package harden

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/corpus"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// TestReadOnlyDocuments: reading the RBAC objects and the Services as
// they are parsed, keeping no tree of them, changes nothing a run writes
// or reports, over every real render and every golden case; and the run
// keeps no tree of them.
func TestReadOnlyDocuments(t *testing.T) {
	files := corpus.Files(t)
	cases, _ := filepath.Glob("../testdata/*/input.yaml")
	read := map[string]int{}
	for _, file := range append(files, cases...) {
		in, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cfg := transform.DefaultConfig()
		if c := filepath.Join(filepath.Dir(file), "config.yaml"); filepath.Base(file) == "input.yaml" {
			if b, err := os.ReadFile(c); err == nil {
				if cfg, err = transform.LoadConfig(bytes.NewReader(b)); err != nil {
					t.Fatalf("%s: %v", c, err)
				}
			}
		}
		run := func() ([]byte, []byte, error) {
			rep := &report.Report{}
			out, err := Run(in, cfg, rep)
			var js bytes.Buffer
			if err := rep.WriteJSON(&js, report.Run{}); err != nil {
				t.Fatal(err)
			}
			return out, js.Bytes(), err
		}
		out, js, err := run()
		readOnly = false
		allOut, allJS, allErr := run()
		readOnly = true
		if (err == nil) != (allErr == nil) || err != nil && err.Error() != allErr.Error() {
			t.Errorf("%s: error %v, keeping every tree %v", file, err, allErr)
		}
		if !bytes.Equal(out, allOut) || !bytes.Equal(js, allJS) {
			t.Errorf("%s: the output or the report differ from a run that keeps every tree", file)
		}
		docs, _, err := parseStream(in, cfg.Scope(nil))
		if err != nil {
			continue
		}
		for _, d := range docs {
			if d.Read {
				read[d.Kind]++
			}
			readOnly := strings.HasPrefix(d.APIVersion, "rbac.authorization.k8s.io/") && isRBACKind(d.Kind) || d.APIVersion == "v1" && d.Kind == "Service"
			if d.Node != nil && readOnly && !hasAnchor(d.Raw) {
				t.Errorf("%s: %s keeps its tree", file, d.Label())
			}
		}
	}
	if read["ClusterRole"] == 0 || read["Service"] == 0 {
		t.Fatalf("documents read, by kind: %v; the inputs hold no ClusterRole or no Service", read)
	}
}

func isRBACKind(k string) bool {
	return k == "Role" || k == "ClusterRole" || k == "RoleBinding" || k == "ClusterRoleBinding"
}

func hasAnchor(raw []byte) bool {
	return bytes.Contains(raw, []byte("&")) || bytes.Contains(raw, []byte("<<"))
}

// TestReadTypeErrorsInStreamOrder: a type error of a document read as it
// is parsed and one of a document kept are reported first in the stream,
// whichever comes first.
func TestReadTypeErrorsInStreamOrder(t *testing.T) {
	role := "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: \"x\"\n  verbs: [get]\n"
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: \"three\"\n"
	for _, c := range []struct{ in, want string }{
		{"---\n" + role + "---\n" + deploy, "document 1 (ClusterRole r)"},
		{"---\n" + deploy + "---\n" + role, "document 1 (Deployment d)"},
	} {
		_, err := Run([]byte(c.in), transform.DefaultConfig(), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want the error of %s", err, c.want)
		}
	}
}
