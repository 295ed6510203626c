package harden

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// TestLineEndings: a stream with CRLF or CR-only line breaks is hardened
// like its LF twin, keeps its line breaks and comments, and a second run
// changes nothing.
func TestLineEndings(t *testing.T) {
	lf, err := os.ReadFile("../testdata/comments-kept/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := transform.DefaultConfig()
	want, err := Run(lf, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, eol := range []string{"\r\n", "\r"} {
		t.Run(strings.ReplaceAll(strings.ReplaceAll(eol, "\r", "CR"), "\n", "LF"), func(t *testing.T) {
			in := bytes.ReplaceAll(lf, []byte("\n"), []byte(eol))
			out, err := Run(in, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if eol == "\r" && bytes.IndexByte(out, '\n') >= 0 {
				t.Errorf("a CR-only stream came out with line feeds:\n%q", out)
			}
			if norm := bytes.ReplaceAll(out, []byte(eol), []byte("\n")); !bytes.Equal(norm, want) {
				t.Errorf("not hardened like the LF stream:\n%s\nwant:\n%s", norm, want)
			}
			again, err := Run(out, cfg, nil)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("second run: %v\n%q", err, again)
			}
			rep := &report.Report{}
			if err := Check(in, cfg, rep); err != nil {
				t.Fatal(err)
			}
			if worst, any := rep.Worst(); !any || worst < report.Error {
				t.Errorf("--check finds nothing wrong in the unhardened %q stream: %v", eol, rep.Findings())
			}
			rep = &report.Report{}
			if err := Verify(out, cfg, "restricted", rep); err != nil {
				t.Fatal(err)
			}
			if worst, any := rep.Worst(); any && worst >= report.Error {
				t.Errorf("--verify fails the hardened stream: %v", rep.Findings())
			}
		})
	}
	if _, err := Run([]byte("---\nkind: A\n---\r\nkind: B\rx: 1\n"), cfg, nil); err == nil || !strings.Contains(err.Error(), "mixed line endings") {
		t.Errorf("mixed CR-only and LF line breaks: %v", err)
	}
}

// TestListInList: the items of a List nested in a List are hardened,
// checked and verified like the items of a List.
func TestListInList(t *testing.T) {
	in, err := os.ReadFile("../testdata/list-in-list/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := transform.DefaultConfig()
	rep := &report.Report{}
	if err := Check(in, cfg, rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings() {
		found = found || f.Object.Kind == "Deployment" && f.Object.Name == "worker" && f.Severity == report.Error
	}
	if !found {
		t.Errorf("--check reports no error for the Deployment in the inner List: %v", rep.Findings())
	}
	out, err := Run(in, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep = &report.Report{}
	if err := Verify(out, cfg, "restricted", rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings() {
		if f.Severity >= report.Warning {
			t.Errorf("--verify of the hardened List: %v", f)
		}
	}
	rep = &report.Report{}
	if err := Verify(in, cfg, "restricted", rep); err != nil {
		t.Fatal(err)
	}
	if worst, any := rep.Worst(); !any || worst < report.Error {
		t.Errorf("--verify passes the unhardened inner Deployment: %v", rep.Findings())
	}
}

// TestTemplateErrorLocated: a pod template the standards cannot read
// (the type check before them normally refuses it first) is named by
// document, line and field, not by a bare json error.
func TestTemplateErrorLocated(t *testing.T) {
	in := "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {runAsUser: \"1000\"}\n"
	cfg := transform.DefaultConfig()
	scope := cfg.Scope(&report.Report{})
	docs := manifest.Split([]byte(in))
	if err := manifest.Parse(docs, keep(scope)); err != nil {
		t.Fatal(err)
	}
	scope.Objects = objects(objectNodes(docs))
	err := evaluate(docs, scope, false, "")
	if err == nil || !strings.HasPrefix(err.Error(), "document 1 (Pod p), line 9: ") || !strings.Contains(err.Error(), "spec.containers.securityContext.runAsUser is a string where Kubernetes wants int64") {
		t.Errorf("error %v", err)
	}
}
