package transform

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

func TestLimitRange(t *testing.T) {
	enabled := func(f *LimitRange) { f.Enabled = true }
	for _, tc := range []struct {
		companionCase
		config func(*LimitRange)
	}{
		{
			companionCase: companionCase{
				name: "defaults from the resources section, after the first workload, in its namespace",
				in: `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: batch/v1
kind: Job
metadata: {name: setup, namespace: shop, annotations: {helm.sh/hook: pre-install}}
spec:
  template:
    spec: {containers: [{name: s, image: x}]}
---
` + apiDeployment("1"),
				want: `apiVersion: v1
kind: LimitRange
metadata:
  name: chartsec-limits
  namespace: shop
  labels:
    app.kubernetes.io/managed-by: Helm
    chartsec.io/generated: "true"
spec:
  limits:
  - type: Container
    default:
      cpu: 500m
      memory: 512Mi
    defaultRequest:
      cpu: 250m
      memory: 256Mi
`,
				findings: []string{"info limitRange.added"},
			},
			config: enabled,
		},
		{
			companionCase: companionCase{
				name: "configured values, named after the release",
				in:   strings.Replace(apiDeployment("1"), "app.kubernetes.io/managed-by: Helm", "app.kubernetes.io/instance: shop", 1),
				want: `apiVersion: v1
kind: LimitRange
metadata:
  name: shop-chartsec-limits
  namespace: shop
  labels:
    app.kubernetes.io/instance: shop
    chartsec.io/generated: "true"
spec:
  limits:
  - type: Container
    default:
      cpu: "1"
      memory: 512Mi
    defaultRequest:
      cpu: 100m
      memory: 256Mi
    min:
      memory: 64Mi
    max:
      cpu: "2"
      memory: 4Gi
`,
				findings: []string{"info limitRange.added"},
			},
			config: func(f *LimitRange) {
				f.Enabled = true
				f.Default.CPU, f.DefaultRequest.CPU = "1", "100m"
				f.Min.Memory = "64Mi"
				f.Max = ResourceValues{CPU: "2", Memory: "4Gi"}
			},
		},
		{
			companionCase: companionCase{
				name:     "a LimitRange in the stream: none",
				in:       apiDeployment("1") + "---\napiVersion: v1\nkind: LimitRange\nmetadata: {name: limits}\nspec: {limits: [{type: Container, max: {memory: 1Gi}}]}\n",
				findings: []string{"info limitRange.present"},
			},
			config: enabled,
		},
		{
			companionCase: companionCase{
				name: "no workload: none",
				in:   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
			},
			config: enabled,
		},
		{
			companionCase: companionCase{
				name: "off by default",
				in:   apiDeployment("1"),
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCompanion(t, tc.companionCase, func(s *Scope) kio.Filter {
				cfg := DefaultConfig()
				if tc.config != nil {
					tc.config(&cfg.LimitRange)
				}
				return limitRangeSection.Filter(cfg, s)
			})
		})
	}
}

func TestLimitRangeDisabledControl(t *testing.T) {
	got, _ := runCompanion(t, apiDeployment("1"), func(s *Scope) kio.Filter {
		s.Disabled = map[string]bool{ControlLimitRange: true}
		return LimitRange{Enabled: true, Default: ResourceValues{Memory: "1Gi"}, Scope: s}
	})
	if got != "" {
		t.Errorf("disable: [limitRange] still added:\n%s", got)
	}
}

func TestLimitRangeValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		f       LimitRange
		wantErr string
	}{
		{"ordered", LimitRange{Min: ResourceValues{CPU: "10m"}, DefaultRequest: ResourceValues{CPU: "100m"}, Default: ResourceValues{CPU: "1"}, Max: ResourceValues{CPU: "2"}}, ""},
		{"not a quantity", LimitRange{Max: ResourceValues{Memory: "lots"}}, "limitRange.max.memory"},
		{"default above max", LimitRange{Default: ResourceValues{Memory: "1Gi"}, Max: ResourceValues{Memory: "512Mi"}}, "limitRange.default.memory (1Gi) is above limitRange.max.memory (512Mi)"},
		{"min above request", LimitRange{Min: ResourceValues{CPU: "1"}, DefaultRequest: ResourceValues{CPU: "250m"}}, "limitRange.min.cpu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
	// The defaults come from the resources section, so a max below them
	// is an error only once limitRange is on.
	if _, err := LoadConfig(strings.NewReader("limitRange:\n  max: {memory: 256Mi}\n")); err != nil {
		t.Errorf("off: %v", err)
	}
	if _, err := LoadConfig(strings.NewReader("limitRange:\n  enabled: true\n  max: {memory: 256Mi}\n")); err == nil || !strings.Contains(err.Error(), "limitRange.default.memory (512Mi)") {
		t.Errorf("on: %v", err)
	}
}
