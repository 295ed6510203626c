package transform_test

import (
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// Three replicas get a budget that lets a drain take one pod at a time; a
// budget the chart ships that lets none go is reported.
func ExamplePodDisruptionBudget() {
	rep := &report.Report{}
	f := transform.DefaultConfig().PodDisruptionBudget
	f.Scope = &transform.Scope{Report: rep}
	runExample(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:17}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: admin}
spec:
  replicas: 1
  selector: {matchLabels: {app: admin}}
  template:
    metadata: {labels: {app: admin}}
    spec: {containers: [{name: admin, image: admin:1}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: admin}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: admin}}
`, f, rep)
	// Output:
	// ---
	// apiVersion: policy/v1
	// kind: PodDisruptionBudget
	// metadata:
	//   name: db-chartsec-pdb
	//   labels:
	//     chartsec.io/generated: "true"
	// spec:
	//   maxUnavailable: 1
	//   selector:
	//     matchLabels:
	//       app: db
	//   unhealthyPodEvictionPolicy: AlwaysAllow
	// chartsec-harden: warning PodDisruptionBudget admin: minAvailable: 1 allows no eviction at 1 replica of Deployment admin: node drains will hang (use maxUnavailable: 1)
	// chartsec-harden: hardened StatefulSet db: podDisruptionBudget
}
