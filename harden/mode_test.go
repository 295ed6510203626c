package harden

import (
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// TestExecuteResourceList: every mode reads a ResourceList's items as it
// reads the same documents as a stream.
func TestExecuteResourceList(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: ops}\nspec:\n  hostNetwork: true\n  containers:\n  - {name: agent, image: example/agent:1}\n"
	stream := "---\n" + pod
	krm := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(pod, "\n"), "\n", "\n  ") + "\n"
	for name, m := range map[string]Mode{
		"check":  {Check: true, FailOn: report.Error},
		"verify": {Verify: "restricted", FailOn: report.Error},
	} {
		_, plain, err := Execute([]byte(stream), transform.DefaultConfig(), m, &report.Report{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, items, err := Execute([]byte(krm), transform.DefaultConfig(), m, &report.Report{})
		if err != nil {
			t.Fatalf("%s of a ResourceList: %v", name, err)
		}
		if len(plain) == 0 || len(items) != len(plain) {
			t.Errorf("%s: %d failing findings of the stream, %d of the ResourceList", name, len(plain), len(items))
		}
	}
	out, failing, err := Execute([]byte(krm), transform.DefaultConfig(), Mode{}, &report.Report{})
	if err != nil || len(failing) > 0 || !strings.HasPrefix(string(out.Bytes()), "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n") {
		t.Errorf("transform of a ResourceList: %v %v\n%s", err, failing, out.Bytes())
	}
}
