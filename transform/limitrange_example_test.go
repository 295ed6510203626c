package transform_test

import (
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// With limitRange.enabled, the release's namespace gets container defaults
// (here the resources section's values) and a memory ceiling.
func ExampleLimitRange() {
	rep := &report.Report{}
	cfg := transform.DefaultConfig()
	f := cfg.LimitRange
	f.Enabled = true
	f.Max.Memory = "2Gi"
	f = f.WithDefaults(cfg.Resources)
	f.Scope = &transform.Scope{Report: rep}
	runExample(`apiVersion: apps/v1
kind: Deployment
metadata: {name: notes, namespace: notes, labels: {app.kubernetes.io/instance: notes}}
spec:
  selector: {matchLabels: {app: notes}}
  template:
    metadata: {labels: {app: notes}}
    spec: {containers: [{name: notes, image: notes:2}]}
`, f, rep)
	// Output:
	// ---
	// apiVersion: v1
	// kind: LimitRange
	// metadata:
	//   name: notes-chartsec-limits
	//   namespace: notes
	//   labels:
	//     app.kubernetes.io/instance: notes
	//     chartsec.io/generated: "true"
	// spec:
	//   limits:
	//   - type: Container
	//     default:
	//       cpu: 500m
	//       memory: 512Mi
	//     defaultRequest:
	//       cpu: 250m
	//       memory: 256Mi
	//     max:
	//       memory: 2Gi
	// chartsec-harden: added LimitRange notes/notes-chartsec-limits: limitRange
}
