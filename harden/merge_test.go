package harden

import (
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// TestMergeKeyKindReachesCheck: a privileged Deployment whose apiVersion
// and kind come from a merge key is judged by --check like any other.
func TestMergeKeyKindReachesCheck(t *testing.T) {
	in := `---
<<: &type
  apiVersion: apps/v1
  kind: Deployment
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          image: example/agent:1.0
          securityContext:
            <<: {privileged: true}
`
	rep := &report.Report{}
	if err := Check([]byte(in), transform.DefaultConfig(), rep); err != nil {
		t.Fatal(err)
	}
	var privileged, noKind bool
	for _, f := range rep.Findings() {
		privileged = privileged || f.Object.Kind == "Deployment" && strings.Contains(f.Message, "privileged")
		noKind = noKind || f.Rule == "notAnObject"
	}
	if !privileged || noKind {
		t.Errorf("privileged reported: %v, \"no kind\" reported: %v; findings:\n%v", privileged, noKind, rep.Findings())
	}
}

// TestMergeKeyOverridingExplicitKeyRefused: an explicit key before a
// merge that supplies it reads differently under YAML 1.1 and 1.2: the
// run stops with the document and line.
func TestMergeKeyOverridingExplicitKeyRefused(t *testing.T) {
	in := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: x:1\n      securityContext:\n        runAsUser: 1000\n        <<: {runAsUser: 0}\n"
	out, err := Run([]byte(in), transform.DefaultConfig(), nil)
	if err == nil || out != nil || !strings.Contains(err.Error(), "(Pod p), line 11: the merge key (<<) supplies \"runAsUser\", which line 10 sets before it") {
		t.Errorf("got %v, output %q", err, out)
	}
}
