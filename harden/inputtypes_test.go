package harden

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/transform"
)

// podWith is a Deployment whose pod spec (at 6 spaces) or container (at
// 10 spaces) holds extra lines.
func podWith(spec, container string) string {
	return `---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
` + spec + `      containers:
        - name: app
          image: example/app:1.0
` + container
}

// TestWronglyTypedFieldsAreRefused: a field the API server would refuse
// for its type is refused, naming the document and the line of the field,
// and nothing is written.
func TestWronglyTypedFieldsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     int
		want     string
	}{
		{"volumes as a mapping", podWith("      volumes:\n        data:\n          emptyDir: {}\n", ""), 16, "spec.template.spec.volumes is a mapping, the Kubernetes API expects a list"},
		{"volumeMounts as a mapping", podWith("", "          volumeMounts:\n            data: /data\n"), 19, "spec.template.spec.containers[0].volumeMounts is a mapping"},
		{"pod securityContext as a string", podWith("      securityContext: restricted\n", ""), 16, "spec.template.spec.securityContext is a string (\"restricted\"), the Kubernetes API expects a mapping"},
		{"container securityContext as a list", podWith("", "          securityContext:\n            - runAsNonRoot: true\n"), 19, "containers[0].securityContext is a list"},
		{"resources as a string", podWith("", "          resources: small\n"), 19, "containers[0].resources is a string (\"small\")"},
		{"resources as a list", podWith("", "          resources: [cpu]\n"), 19, "containers[0].resources is a list"},
		{"limits as a list", podWith("", "          resources:\n            limits: [1, 2]\n"), 20, "resources.limits is a list"},
		{"containers as a mapping", strings.Replace(podWith("", ""), "        - name: app\n          image: example/app:1.0\n", "          app:\n            image: example/app:1.0\n", 1), 16, "spec.template.spec.containers is a mapping, the Kubernetes API expects a list"},
		{"privileged as a quoted string", podWith("", "          securityContext:\n            privileged: \"true\"\n"), 20, "securityContext.privileged is a string (\"true\"), the Kubernetes API expects true or false"},
		{"hostNetwork as a quoted string", podWith("      hostNetwork: 'yes'\n", ""), 16, "spec.template.spec.hostNetwork is a string (\"yes\")"},
		{"readOnlyRootFilesystem as a word", podWith("", "          securityContext:\n            readOnlyRootFilesystem: enabled\n"), 20, "readOnlyRootFilesystem is a string (\"enabled\")"},
		{"runAsUser as a string", podWith("      securityContext:\n        runAsUser: \"1000\"\n", ""), 17, "securityContext.runAsUser is a string (\"1000\"), the Kubernetes API expects an integer"},
		{"capabilities.drop as a string", podWith("", "          securityContext:\n            capabilities:\n              drop: ALL\n"), 21, "capabilities.drop is a string (\"ALL\"), the Kubernetes API expects a list"},
		{"env as a mapping", podWith("", "          env:\n            A: b\n"), 19, "containers[0].env is a mapping"},
		{"ports as a number", podWith("", "          ports: 8080\n"), 19, "containers[0].ports is a number (8080; quote it for a string)"},
		{"label value YAML 1.1 reads as a bool", strings.Replace(podWith("", ""), "        app: app\n    spec:", "        app: app\n        enabled: yes\n    spec:", 1), 15, "metadata.labels.enabled is a bool (yes: YAML 1.1, which Kubernetes reads, makes it true; quote it for a string)"},
		{"ServiceAccount automount as a string", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\nautomountServiceAccountToken: \"false\"\n", 5, "automountServiceAccountToken is a string (\"false\")"},
		{"Service ports as a mapping", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    http: 80\n", 6, "spec.ports is a mapping"},
		{"custom workload template", "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n  template:\n    spec:\n      volumes:\n        a: {}\n      containers: []\n", 8, "spec.template.spec.volumes is a mapping"},
		{"item of a List", "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: p\n    spec:\n      containers:\n        - name: c\n          image: x:1\n          securityContext: \"\"\n", 12, "spec.containers[0].securityContext is a string (\"\")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Run([]byte(tc.in), transform.DefaultConfig(), nil)
			if err == nil {
				t.Fatalf("accepted; output:\n%s", out)
			}
			if out != nil {
				t.Errorf("output on error: %q", out)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q\ndoes not say %q", msg, tc.want)
			}
			if want := "line " + strconv.Itoa(tc.line) + ":"; !strings.Contains(msg, want) || !strings.HasPrefix(msg, "document ") {
				t.Errorf("error %q does not name the document and %q", msg, want)
			}
			if err := Check([]byte(tc.in), transform.DefaultConfig(), nil); err == nil || err.Error() != msg {
				t.Errorf("--check says %v, want the same refusal", err)
			}
		})
	}
}

// TestWellTypedFieldsPass: what the API server accepts is accepted,
// however YAML 1.1 lets the chart spell it.
func TestWellTypedFieldsPass(t *testing.T) {
	for _, in := range []string{
		podWith("      hostNetwork: False\n      securityContext: ~\n      volumes: null\n", "          securityContext:\n            runAsUser: 0x3E8\n            readOnlyRootFilesystem: yes\n          resources:\n            limits:\n              cpu: 1\n              memory: 1.5e9\n          ports:\n            - containerPort: 8_080\n"),
		"apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port: 80.0\n      targetPort: http\n    - port: 81\n      targetPort: 8081\n",
		"apiVersion: apps/v1beta2\nkind: Deployment\nmetadata:\n  name: old\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: x:1\n",
	} {
		if _, err := Run([]byte(in), transform.DefaultConfig(), nil); err != nil {
			t.Errorf("refused: %v\n%s", err, in)
		}
	}
}
