package transform

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// apiDeployment runs the given number of replicas ("" leaves the field out).
func apiDeployment(replicas string) string {
	r := ""
	if replicas != "" {
		r = "  replicas: " + replicas + "\n"
	}
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  labels: {app.kubernetes.io/name: api, app.kubernetes.io/managed-by: Helm, helm.sh/chart: api-1.0.0}
spec:
` + r + `  selector:
    matchLabels: {app.kubernetes.io/name: api}
  template:
    metadata:
      labels: {app.kubernetes.io/name: api}
    spec:
      containers: [{name: api, image: api:1}]
`
}

// apiBudget is the budget the default configuration gives apiDeployment.
const apiBudget = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api-chartsec-pdb
  namespace: shop
  labels:
    app.kubernetes.io/name: api
    app.kubernetes.io/managed-by: Helm
    chartsec.io/generated: "true"
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: api
  unhealthyPodEvictionPolicy: AlwaysAllow
`

func apiHPA(min string) string {
	return `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: ` + min + `
  maxReplicas: 10
`
}

func TestPodDisruptionBudget(t *testing.T) {
	for _, tc := range []struct {
		companionCase
		config func(*PodDisruptionBudget)
	}{
		{companionCase: companionCase{
			name:     "2 replicas",
			in:       apiDeployment("2"),
			want:     apiBudget,
			findings: []string{"info podDisruptionBudget.added"},
		}},
		{companionCase: companionCase{
			name:     "1 replica: none, a budget would block drains",
			in:       apiDeployment("1"),
			findings: []string{"info podDisruptionBudget.singleReplica"},
		}},
		{companionCase: companionCase{
			name:     "no replicas field reads as 1",
			in:       apiDeployment(""),
			findings: []string{"info podDisruptionBudget.singleReplica"},
		}},
		{companionCase: companionCase{
			name:     "0 replicas",
			in:       apiDeployment("0"),
			findings: []string{"info podDisruptionBudget.singleReplica"},
		}},
		{companionCase: companionCase{
			name:     "HorizontalPodAutoscaler minReplicas 3",
			in:       apiDeployment("") + apiHPA("3"),
			want:     apiBudget,
			findings: []string{"info podDisruptionBudget.added"},
		}},
		{companionCase: companionCase{
			name:     "HorizontalPodAutoscaler minReplicas 1 over 1 replica",
			in:       apiDeployment("1") + apiHPA("1"),
			findings: []string{"info podDisruptionBudget.singleReplica"},
		}},
		{companionCase: companionCase{
			name:     "3 replicas that an autoscaler may take to 1: maxUnavailable still lets one go",
			in:       apiDeployment("3") + apiHPA("1"),
			want:     apiBudget,
			findings: []string{"info podDisruptionBudget.added"},
		}},
		{
			companionCase: companionCase{
				name:     "minAvailable that would block at the autoscaler's floor falls back to maxUnavailable 1",
				in:       apiDeployment("3") + apiHPA("2"),
				want:     apiBudget,
				findings: []string{"warning podDisruptionBudget.budgetBlocks", "info podDisruptionBudget.added"},
			},
			config: func(f *PodDisruptionBudget) { f.MinAvailable = "2" },
		},
		{
			companionCase: companionCase{
				name:     "minAvailable percentage that allows an eviction",
				in:       apiDeployment("4"),
				want:     strings.Replace(apiBudget, "  maxUnavailable: 1\n", "  minAvailable: 50%\n", 1),
				findings: []string{"info podDisruptionBudget.added"},
			},
			config: func(f *PodDisruptionBudget) { f.MinAvailable = "50%" },
		},
		{
			companionCase: companionCase{
				name:     "maxUnavailable percentage, no eviction policy",
				in:       apiDeployment("2"),
				want:     strings.Replace(strings.Replace(apiBudget, "  maxUnavailable: 1\n", "  maxUnavailable: 25%\n", 1), "  unhealthyPodEvictionPolicy: AlwaysAllow\n", "", 1),
				findings: []string{"info podDisruptionBudget.added"},
			},
			config: func(f *PodDisruptionBudget) { f.MaxUnavailable, f.UnhealthyPodEvictionPolicy = "25%", "" },
		},
		{companionCase: companionCase{
			name: "a budget of the stream covers it",
			in: apiDeployment("2") + `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api}
spec:
  minAvailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: api}}
`,
			findings: []string{"info podDisruptionBudget.covered"},
		}},
		{companionCase: companionCase{
			name: "a budget with a null selector covers nothing",
			in: apiDeployment("2") + `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: nothing, namespace: shop}
spec:
  maxUnavailable: 1
`,
			want:     apiBudget,
			findings: []string{"info podDisruptionBudget.added"},
		}},
		{companionCase: companionCase{
			name: "a selector that picks another workload's pods whatever the labels: none",
			in: apiDeployment("2") + `---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: api-twin, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app.kubernetes.io/name: api}}
  template:
    metadata: {labels: {app.kubernetes.io/name: api}}
    spec: {containers: [{name: api, image: api:1}]}
`,
			findings: []string{"warning podDisruptionBudget.overlap", "warning podDisruptionBudget.overlap"},
		}},
		{companionCase: companionCase{
			name: "DaemonSets, Jobs, Pods and hooks get none",
			in: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: x}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: job}
spec:
  parallelism: 3
  template:
    metadata: {labels: {app: job}}
    spec: {containers: [{name: j, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hooked, annotations: {helm.sh/hook: post-install}}
spec:
  replicas: 3
  selector: {matchLabels: {app: hooked}}
  template:
    metadata: {labels: {app: hooked}}
    spec: {containers: [{name: h, image: x}]}
`,
		}},
		{companionCase: companionCase{
			name: "an unlabelled custom workload is reported",
			in: `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: canary}
spec:
  replicas: 5
  template:
    spec: {containers: [{name: c, image: x}]}
`,
			findings: []string{"warning podDisruptionBudget.noLabels"},
		}},
		{
			companionCase: companionCase{
				name: "exempt by annotation",
				in:   strings.Replace(apiDeployment("2"), "  namespace: shop\n", "  namespace: shop\n  annotations: {chartsec.io/skip: podDisruptionBudget}\n", 1),
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCompanion(t, tc.companionCase, func(s *Scope) kio.Filter {
				cfg := DefaultConfig()
				s.CustomWorkloads = cfg.Workloads
				if tc.config != nil {
					tc.config(&cfg.PodDisruptionBudget)
				}
				return podDisruptionBudgetSection.Filter(cfg, s)
			})
		})
	}
}

func TestPodDisruptionBudgetBlockingWarnings(t *testing.T) {
	pdb := func(name, budget string) string {
		return "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: " + name + ", namespace: shop}\nspec:\n  " + budget +
			"\n  selector: {matchLabels: {app.kubernetes.io/name: api}}\n"
	}
	for _, tc := range []struct {
		name, in string
		blocks   bool
	}{
		{"minAvailable 1 at 1 replica", apiDeployment("1") + pdb("p", "minAvailable: 1"), true},
		{"minAvailable 1 at 2 replicas", apiDeployment("2") + pdb("p", "minAvailable: 1"), false},
		{"minAvailable 2 at 2 replicas", apiDeployment("2") + pdb("p", "minAvailable: 2"), true},
		{"maxUnavailable 0", apiDeployment("5") + pdb("p", "maxUnavailable: 0"), true},
		{"maxUnavailable 0%", apiDeployment("5") + pdb("p", "maxUnavailable: 0%"), true},
		{"maxUnavailable 10% rounds up to 1", apiDeployment("2") + pdb("p", "maxUnavailable: 10%"), false},
		{"minAvailable 100%", apiDeployment("5") + pdb("p", "minAvailable: 100%"), true},
		{"minAvailable 60% of 2 rounds up to 2", apiDeployment("2") + pdb("p", "minAvailable: 60%"), true},
		{"minAvailable 50% of 2", apiDeployment("2") + pdb("p", "minAvailable: 50%"), false},
		{"minAvailable 2 at an autoscaler's floor of 2", apiDeployment("4") + apiHPA("2") + pdb("p", "minAvailable: 2"), true},
		{"neither field", apiDeployment("1") + pdb("p", "unhealthyPodEvictionPolicy: AlwaysAllow"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, findings := runCompanion(t, tc.in, func(s *Scope) kio.Filter {
				return podDisruptionBudgetSection.Filter(DefaultConfig(), s)
			})
			got := strings.Contains(strings.Join(findings, "\n"), "warning podDisruptionBudget.blocksDrain")
			if got != tc.blocks {
				t.Errorf("blocksDrain warning = %v, want %v (findings %v)", got, tc.blocks, findings)
			}
		})
	}
}

func TestPodDisruptionBudgetIdempotent(t *testing.T) {
	f := func(s *Scope) kio.Filter { return podDisruptionBudgetSection.Filter(DefaultConfig(), s) }
	in := apiDeployment("") + apiHPA("3")
	first, _ := runCompanion(t, in, f)
	if again, findings := runCompanion(t, in+"---\n"+first, f); again != "" || strings.Contains(strings.Join(findings, " "), "warning") {
		t.Errorf("second pass added %q, found %v", again, findings)
	}
}

func TestPodDisruptionBudgetValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		f       PodDisruptionBudget
		wantErr string
	}{
		{"defaults", DefaultConfig().PodDisruptionBudget, ""},
		{"maxUnavailable", PodDisruptionBudget{MaxUnavailable: "2"}, ""},
		{"minAvailable percent", PodDisruptionBudget{MinAvailable: "50%"}, ""},
		{"both", PodDisruptionBudget{MaxUnavailable: "1", MinAvailable: "1"}, "not both"},
		{"maxUnavailable 0", PodDisruptionBudget{MaxUnavailable: "0"}, "blocks node drains"},
		{"maxUnavailable 0%", PodDisruptionBudget{MaxUnavailable: "0%"}, "blocks node drains"},
		{"minAvailable 100%", PodDisruptionBudget{MinAvailable: "100%"}, "blocks node drains"},
		{"not a number", PodDisruptionBudget{MinAvailable: "one"}, "not a count or a percentage"},
		{"over 100%", PodDisruptionBudget{MaxUnavailable: "150%"}, "not a count or a percentage"},
		{"eviction policy", PodDisruptionBudget{UnhealthyPodEvictionPolicy: "Never"}, "unhealthyPodEvictionPolicy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
	cfg, err := LoadConfig(strings.NewReader("podDisruptionBudget:\n  minAvailable: 1\n"))
	if err != nil || cfg.PodDisruptionBudget.MinAvailable != "1" || cfg.PodDisruptionBudget.MaxUnavailable != "" {
		t.Errorf("an integer minAvailable reads as %+v, %v", cfg.PodDisruptionBudget, err)
	}
}
