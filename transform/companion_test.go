package transform

import (
	"strings"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden" // -update for go test ./...
	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// companionCase is one row of the companion filters' table tests: the
// input stream, the documents the filter adds (in output order, as the
// pipeline writes them), and its findings as "severity control.rule".
type companionCase struct {
	name     string
	in       string
	want     string
	findings []string
}

// runCompanion runs a filter over a stream and returns the documents it
// added and its findings. It fails the test if an input document was
// dropped or moved.
func runCompanion(t *testing.T, in string, filter func(*Scope) kio.Filter) (string, []string) {
	t.Helper()
	nodes, err := kio.FromBytes([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	rep := &report.Report{}
	s := &Scope{Report: rep}
	out, err := filter(s).Filter(nodes)
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	i := 0
	for _, n := range out {
		if i < len(nodes) && n.YNode() == nodes[i].YNode() {
			i++
			continue
		}
		b, err := manifest.Encode(n, yaml.CompactSequenceStyle)
		if err != nil {
			t.Fatal(err)
		}
		added = append(added, string(b))
	}
	if i != len(nodes) {
		t.Fatalf("the filter dropped or reordered input documents")
	}
	var findings []string
	for _, f := range rep.Findings() {
		findings = append(findings, f.Severity.String()+" "+f.Control+"."+f.Rule)
	}
	return strings.Join(added, "---\n"), findings
}

func checkCompanion(t *testing.T, tc companionCase, filter func(*Scope) kio.Filter) {
	t.Helper()
	got, findings := runCompanion(t, tc.in, filter)
	if got != strings.TrimPrefix(tc.want, "\n") {
		t.Errorf("added documents:\n%s\nwant:\n%s", got, strings.TrimPrefix(tc.want, "\n"))
	}
	if strings.Join(findings, "\n") != strings.Join(tc.findings, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(findings, "\n"), strings.Join(tc.findings, "\n"))
	}
}

func TestLabelSelectorMatches(t *testing.T) {
	pod := map[string]string{"app": "web", "tier": "front", "version": "1.0"}
	for _, tc := range []struct {
		name, selector string
		want           bool
	}{
		{"matchLabels subset", "matchLabels: {app: web}", true},
		{"matchLabels differ", "matchLabels: {app: db}", false},
		{"matchLabels missing key", "matchLabels: {app: web, zone: a}", false},
		{"empty selects all", "{}", true},
		{"In", "matchExpressions: [{key: tier, operator: In, values: [front, back]}]", true},
		{"In misses", "matchExpressions: [{key: tier, operator: In, values: [back]}]", false},
		{"NotIn", "matchExpressions: [{key: tier, operator: NotIn, values: [back]}]", true},
		{"NotIn absent key", "matchExpressions: [{key: zone, operator: NotIn, values: [a]}]", true},
		{"Exists", "matchExpressions: [{key: version, operator: Exists}]", true},
		{"DoesNotExist", "matchExpressions: [{key: version, operator: DoesNotExist}]", false},
		{"unknown operator", "matchExpressions: [{key: version, operator: Gt, values: ['0']}]", false},
		{"number value as text", "matchLabels: {version: 1.0}", true},
		{"ReplicationController map", "{app: web}", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel := parseSelector(yaml.MustParse(tc.selector))
			if got := sel.matches(pod); got != tc.want {
				t.Errorf("matches = %v, want %v", got, tc.want)
			}
		})
	}
	if (*labelSelector)(nil).matches(pod) {
		t.Error("an absent selector must select nothing")
	}
}

func TestCompanionName(t *testing.T) {
	v := docNames{}
	v.take("NetworkPolicy", "", "web-chartsec-netpol")
	v.take("NetworkPolicy", "other", "api-chartsec-netpol")
	v.take("Service", "", "db-chartsec-netpol")
	for _, tc := range []struct {
		namespace, base, want string
	}{
		{"", "web", "web-chartsec-netpol-2"},
		{"", "web", "web-chartsec-netpol-3"},
		{"shop", "api", "api-chartsec-netpol"},     // taken in another namespace only
		{"", "db", "db-chartsec-netpol"},           // taken by another kind only
		{"", "Web_App", "web-app-chartsec-netpol"}, // made a DNS-1123 subdomain
	} {
		if got := v.companionName("NetworkPolicy", tc.namespace, tc.base, "-chartsec-netpol"); got != tc.want {
			t.Errorf("companionName(%q, %q) = %q, want %q", tc.namespace, tc.base, got, tc.want)
		}
	}
	long := strings.Repeat("a", 250)
	got := v.companionName("NetworkPolicy", "", long, "-chartsec-netpol")
	if len(got) > validation.DNS1123SubdomainMaxLength || len(validation.IsDNS1123Subdomain(got)) > 0 {
		t.Errorf("long name %q (%d characters) is not a valid name", got, len(got))
	}
	if again := v.companionName("NetworkPolicy", "", long, "-chartsec-netpol"); again == got {
		t.Errorf("the second long name repeats the first: %q", again)
	}
}

func TestInsertAfterKeepsCompanionsTogether(t *testing.T) {
	nodes, err := kio.FromBytes([]byte("kind: A\n---\nkind: B\n"))
	if err != nil {
		t.Fatal(err)
	}
	gen := func(kind string) *yaml.RNode {
		return yaml.MustParse("kind: " + kind + "\nmetadata: {labels: {chartsec.io/generated: 'true'}}\n")
	}
	s := newCompanionStream(nodes)
	s.insertAfter(nodes[0], gen("NetworkPolicy"))
	s.insertAfter(nodes[0], gen("PodDisruptionBudget"))
	s.insertAfter(nodes[1], gen("LimitRange"))                        // after the last document
	s.insertAfter(yaml.MustParse("kind: Elsewhere\n"), gen("Orphan")) // an anchor not in the stream: at the end
	nodes = s.list()
	var kinds []string
	for _, n := range nodes {
		kinds = append(kinds, n.GetKind())
	}
	if got := strings.Join(kinds, " "); got != "A NetworkPolicy PodDisruptionBudget B LimitRange Orphan" {
		t.Errorf("order %s", got)
	}
}

// TestNarrowExcludesOtherTemplates checks that a workload's companion
// selector picks its own pod template and no other of the stream (hooks and
// bare Pods included), and that the narrowed selector still covers the
// workload on a second run.
func TestNarrowExcludesOtherTemplates(t *testing.T) {
	web, testPod := frontDeployment, helmTestPod
	for _, tc := range []struct {
		name, other string
		want        string // the companion selector
		overlap     bool   // a warning names the other template
	}{
		{"other has an extra key", testPod("{app: web, tier: front, helm.sh/chart: web-1, pod-template-hash: abc, chart: web}"),
			"app=web,chart DoesNotExist ()", false},
		{"other lacks an own key", testPod("{app: web}"), "app=web,tier=front", false},
		{"a shared key differs", testPod("{app: web, tier: test}"), "app=web,tier=front", false},
		// No label tells the hook's pods apart: the workload's template gets one.
		{"identical labels", testPod("{app: web, tier: front}"), "app=web,chartsec.io/pod-template=deployment-web", false},
		{"only a controller's key tells them apart", testPod("{app: web, tier: front, pod-template-hash: abc}"),
			"app=web,chartsec.io/pod-template=deployment-web", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nodes, err := kio.FromBytes([]byte(web + tc.other))
			if err != nil {
				t.Fatal(err)
			}
			v := newCompanionView(&Scope{Report: &report.Report{}}, nodes)
			g, o := v.byDoc[nodes[0].YNode()], v.byDoc[nodes[1].YNode()]
			if got := g.selector.String(); got != tc.want {
				t.Errorf("selector %s, want %s", got, tc.want)
			}
			if !g.selector.matches(g.labelSet) {
				t.Errorf("selector %s does not select its own template %v", g.selector, g.labelSet)
			}
			if got, _ := remainingOverlap(v, g); (got == o) != tc.overlap {
				t.Errorf("remaining overlap %v, want %v", got != nil, tc.overlap)
			}
			for _, filter := range []func(*Scope) kio.Filter{
				func(s *Scope) kio.Filter { return networkPolicySection.Filter(DefaultConfig(), s) },
				func(s *Scope) kio.Filter { return podDisruptionBudgetSection.Filter(DefaultConfig(), s) },
			} {
				first, findings := runCompanion(t, web+tc.other, filter)
				if first == "" {
					t.Fatal("nothing added")
				}
				if warned := strings.Contains(strings.Join(findings, " "), "warning"); warned != tc.overlap {
					t.Errorf("findings %v, want a warning: %v", findings, tc.overlap)
				}
				if again, _ := runCompanion(t, web+tc.other+"---\n"+first, filter); again != "" {
					t.Errorf("second pass added:\n%s", again)
				}
			}
		})
	}
}

// frontDeployment is a Deployment of two replicas whose pods are labelled
// app=web, tier=front.
const frontDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: a, image: x}]}
`

// helmTestPod is a Helm test hook's Pod with the labels given (a flow
// mapping), a document to follow frontDeployment.
func helmTestPod(labels string) string {
	return `---
apiVersion: v1
kind: Pod
metadata:
  name: web-test
  annotations: {helm.sh/hook: test}
  labels: ` + labels + `
spec: {containers: [{name: t, image: x}]}
`
}

// TestCompanionViewShared: the PodDisruptionBudget filter uses the view the
// NetworkPolicy filter built, right after it in the pipeline, unless
// building it labelled a pod template (a new view reads that label); and
// its budget selects the same pods either way.
func TestCompanionViewShared(t *testing.T) {
	for i, s := range pipeline {
		if s.Key == networkPolicySection.Key && (i+1 == len(pipeline) || pipeline[i+1].Key != podDisruptionBudgetSection.Key) {
			t.Fatal("the PodDisruptionBudget filter no longer runs right after the NetworkPolicy filter, whose view it reuses")
		}
	}
	web, hook := frontDeployment, helmTestPod("{app: web, tier: front}")
	for _, tc := range []struct {
		name, in string
		shared   bool
	}{
		{"nothing labelled", web, true},
		{"a hook with the same labels", web + hook, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nodes, err := kio.FromBytes([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			s := &Scope{Report: &report.Report{}}
			out, err := networkPolicySection.Filter(DefaultConfig(), s).Filter(nodes)
			if err != nil {
				t.Fatal(err)
			}
			built := s.shared.view
			if built == nil {
				t.Fatal("the NetworkPolicy filter shared no view")
			}
			v := s.companionView(out)
			if (v == built) != tc.shared {
				t.Errorf("view shared: %v, want %v", v == built, tc.shared)
			}
			if s.companionView(out) == built {
				t.Error("a view is shared once")
			}
			fresh := newCompanionView(&Scope{Report: &report.Report{}}, out)
			g, f := v.byDoc[out[0].YNode()], fresh.byDoc[out[0].YNode()]
			if g.selector.String() != f.selector.String() {
				t.Errorf("the view used selects %s, a new one %s", g.selector, f.selector)
			}
		})
	}
}
