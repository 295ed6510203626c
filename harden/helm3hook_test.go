package harden

import (
	"testing"

	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// TestCheckNamesHooksHelm3SendsUnhardened: Helm 3 hands no hook to a
// post-renderer, so --check names each hook that fails restricted as the
// chart wrote it, and only those.
func TestCheckNamesHooksHelm3SendsUnhardened(t *testing.T) {
	job := func(name, hook, securityContext string) string {
		annotations := ""
		if hook != "" {
			annotations = "  annotations:\n    helm.sh/hook: " + hook + "\n"
		}
		return `---
apiVersion: batch/v1
kind: Job
metadata:
  name: ` + name + "\n" + annotations + `spec:
  template:
    spec:
      restartPolicy: Never
` + securityContext + `      containers:
        - name: main
          image: busybox:1.36
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
`
	}
	hardened := `      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: {type: RuntimeDefault}
`
	in := job("migrate", "pre-install", "") + job("compliant", "post-install", hardened) +
		job("plain", "", "")
	rep := &report.Report{}
	if err := Check([]byte(in), transform.DefaultConfig(), rep); err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, f := range rep.Findings() {
		if f.ID() == "podSecurityStandards.helm3Hook" {
			named[f.Object.Name] = true
			if f.Severity != report.Warning {
				t.Errorf("%s: severity %s, want warning", f.Object.Name, f.Severity)
			}
		}
	}
	if !named["migrate"] || named["compliant"] || named["plain"] || len(named) != 1 {
		t.Errorf("helm3Hook findings name %v, want only the unhardened hook migrate", named)
	}
}
