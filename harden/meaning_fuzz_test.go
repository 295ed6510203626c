package harden

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/transform"
	v3 "gopkg.in/yaml.v3"
	k8syaml "sigs.k8s.io/yaml"
)

// hostileSeeds are the shapes of issue 10: head comments a blank line
// follows, CRLF and CR-only line breaks, a comment after "...", a line
// comment on "volumes: []", a List in a List, aliases (as keys too), merge
// keys, YAML 1.1 booleans, mistyped fields, a %YAML directive.
var hostileSeeds = []string{
	"---\n# Source: a/templates/d.yaml\n\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    metadata:\n      labels: {app: d}\n    spec:\n      containers:\n      - name: c\n        image: x:1\n      volumes: [] # none\n      restartPolicy: Always\n",
	"---\r\n# Source: a/templates/p.yaml\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p # the pod\r\nspec:\r\n  containers:\r\n  - name: c\r\n    image: x:1\r\n",
	"---\r# Source: a/templates/p.yaml\rapiVersion: v1\rkind: Pod\rmetadata:\r  name: p\rspec:\r  containers:\r  - name: c\r    image: x:1\r",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x:1\n...\n# after the end\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
	"---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n    spec:\n      containers: [{name: c, image: x}]\n",
	"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: &n p\n  labels:\n    *n : v\nspec:\n  containers:\n  - &c {name: c, image: x, env: [{name: A, value: \"yes\"}]}\n  initContainers:\n  - *c\n",
	"---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: &sc {runAsUser: 5000}\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      <<: *sc\n      privileged: True\n",
	"%YAML 1.1\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {a: \"0755\", b: \"on\"}}\nspec:\n  hostNetwork: yes\n  containers:\n  - {name: c, image: x, ports: [{containerPort: 80}]}\n",
	"---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default}\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: j}\nspec:\n  schedule: '*/5 * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: c\n            image: x\n            resources: {limits: {memory: 1Gi}}\n",
}

// FuzzMeaning checks what hardening means, not only that it does not
// crash: for an input that is accepted, every input document comes out in
// order, every value outside the documented hardening paths reads the same
// under YAML 1.1 (sigs.k8s.io/yaml, as Kubernetes reads it) before and
// after, the volumes, mounts and pull secrets the chart had are kept, no
// comment is lost, and a second run changes nothing.
func FuzzMeaning(f *testing.F) {
	addGoldenInputs(f)
	for _, s := range hostileSeeds {
		f.Add([]byte(s))
	}
	cfg := transform.DefaultConfig()
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Run(in, cfg, nil)
		if err != nil {
			if out != nil {
				t.Fatalf("output with an error: %v", err)
			}
			return
		}
		again, err := Run(out, cfg, nil)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("second run: %v\nfirst:\n%q\nsecond:\n%q", err, out, again)
		}
		inDocs, ok := objectsOf(in)
		if !ok {
			return // Kubernetes' decoder cannot read the input itself
		}
		outDocs, ok := objectsOf(out)
		if !ok {
			t.Fatalf("Kubernetes cannot read the output:\n%s", out)
		}
		i := 0
		for _, o := range outDocs {
			if i < len(inDocs) && sameIdentity(inDocs[i], o) {
				if path, ok := sameMeaning(inDocs[i].value, o.value, nil); !ok {
					t.Fatalf("document %d: %s changed outside the hardening paths\ninput:\n%s\noutput:\n%s", i, strings.Join(path, "."), in, out)
				}
				i++
				continue
			}
			if !generated(o.value) {
				t.Fatalf("output document %s %s is neither an input document nor a generated one\ninput:\n%s\noutput:\n%s", o.kind, o.name, in, out)
			}
		}
		if i != len(inDocs) {
			t.Fatalf("%d of %d input documents came out\ninput:\n%s\noutput:\n%s", i, len(inDocs), in, out)
		}
		if lost := lostComments(in, out); lost != "" {
			t.Fatalf("comment %q lost\ninput:\n%s\noutput:\n%s", lost, in, out)
		}
	})
}

type object struct {
	kind, name, namespace string
	value                 any
}

// objectsOf reads the objects of a stream as Kubernetes does.
func objectsOf(stream []byte) ([]object, bool) {
	stream, _, err := manifest.FromCR(stream)
	if err != nil {
		return nil, false
	}
	docs := manifest.Split(stream)
	if err := manifest.Parse(docs, func(*manifest.Doc) bool { return false }); err != nil {
		return nil, false
	}
	var out []object
	for _, d := range docs {
		if !d.Object {
			continue
		}
		text := d.Raw
		if c := strings.TrimSpace(strings.TrimPrefix(d.Separator, "---")); c != "" && !strings.HasPrefix(c, "#") {
			text = append([]byte(d.Separator), d.Raw...)
		}
		j, err := k8syaml.YAMLToJSON(text)
		if err != nil {
			return nil, false
		}
		var v any
		if err := json.Unmarshal(j, &v); err != nil {
			return nil, false
		}
		out = append(out, object{kind: d.Kind, name: d.Name, namespace: d.Namespace, value: v})
	}
	return out, true
}

func sameIdentity(a, b object) bool {
	return a.kind == b.kind && a.name == b.name && a.namespace == b.namespace
}

func generated(v any) bool {
	m, _ := v.(map[string]any)
	meta, _ := m["metadata"].(map[string]any)
	labels, _ := meta["labels"].(map[string]any)
	return labels["chartsec.io/generated"] == "true"
}

// Keys the transforms set or add to, by where they are: anything else
// must read the same after hardening.
var (
	podSpecHardened = map[string]bool{"securityContext": true, "volumes": true, "imagePullSecrets": true, "automountServiceAccountToken": true}
	containerLists  = map[string]bool{"containers": true, "initContainers": true, "ephemeralContainers": true}
	containerKeys   = map[string]bool{"securityContext": true, "volumeMounts": true, "imagePullPolicy": true, "resources": true}
	podSCKeys       = map[string]bool{"runAsNonRoot": true, "runAsUser": true, "runAsGroup": true, "fsGroup": true, "fsGroupChangePolicy": true, "seccompProfile": true, "sysctls": true}
	containerSCKeys = map[string]bool{"allowPrivilegeEscalation": true, "runAsNonRoot": true, "readOnlyRootFilesystem": true, "capabilities": true, "seccompProfile": true, "runAsUser": true, "runAsGroup": true}
)

// sameMeaning compares an input object with its output, allowing changes
// only on the hardening paths; it returns the first path that differs.
func sameMeaning(in, out any, path []string) ([]string, bool) {
	im, iok := in.(map[string]any)
	om, ook := out.(map[string]any)
	if !iok || !ook {
		if il, ok := in.([]any); ok {
			ol, ok := out.([]any)
			if !ok || len(il) != len(ol) {
				return path, false
			}
			for i := range il {
				if p, ok := sameMeaning(il[i], ol[i], append(path, "[]")); !ok {
					return p, false
				}
			}
			return path, true
		}
		return path, reflect.DeepEqual(in, out)
	}
	// The label that tells a workload's pods from a Helm hook's.
	if n := len(path); n >= 2 && path[n-2] == "metadata" && path[n-1] == "labels" {
		if _, had := im[transform.PodTemplateLabel]; !had {
			delete(om, transform.PodTemplateLabel)
		}
	}
	if im["kind"] == "ServiceAccount" && len(path) == 0 {
		delete(im, "automountServiceAccountToken")
		delete(om, "automountServiceAccountToken")
	}
	// A pod spec: one with containers, or where the transforms look for
	// one (a template's spec, a document's or a List item's spec),
	// containers or not.
	_, podSpec := im["containers"]
	podSpec = podSpec || len(path) == 1 && path[0] == "spec" ||
		len(path) >= 2 && path[len(path)-2] == "template" && path[len(path)-1] == "spec" ||
		len(path) >= 3 && path[len(path)-3] == "items" && path[len(path)-2] == "[]" && path[len(path)-1] == "spec"
	for k, iv := range im {
		ov, ok := om[k]
		p := append(path, k)
		switch {
		case podSpec && k == "securityContext":
			if !sameExcept(iv, ov, podSCKeys) {
				return p, false
			}
		case podSpec && (k == "volumes" || k == "imagePullSecrets"):
			if !kept(iv, ov) {
				return p, false
			}
		case podSpec && podSpecHardened[k]:
		case podSpec && containerLists[k]:
			il, _ := iv.([]any)
			ol, _ := ov.([]any)
			if len(il) != len(ol) {
				return p, false
			}
			for i := range il {
				ic, _ := il[i].(map[string]any)
				oc, _ := ol[i].(map[string]any)
				if ic == nil || oc == nil {
					if !reflect.DeepEqual(il[i], ol[i]) {
						return p, false
					}
					continue
				}
				for ck, civ := range ic {
					cov := oc[ck]
					switch ck {
					case "securityContext":
						if !sameExcept(civ, cov, containerSCKeys) {
							return append(p, ck), false
						}
					case "volumeMounts":
						if !kept(civ, cov) {
							return append(p, ck), false
						}
					default:
						if containerKeys[ck] {
							continue
						}
						if q, ok := sameMeaning(civ, cov, append(p, ck)); !ok {
							return q, false
						}
					}
				}
				for ck := range oc {
					if _, had := ic[ck]; !had && !containerKeys[ck] {
						return append(p, ck), false
					}
				}
			}
		case !ok:
			return p, false
		default:
			if q, ok := sameMeaning(iv, ov, p); !ok {
				return q, false
			}
		}
	}
	for k := range om {
		if _, had := im[k]; !had && !(podSpec && podSpecHardened[k]) && !(len(path) == 0 && im["kind"] == "ServiceAccount" && k == "automountServiceAccountToken") {
			return append(path, k), false
		}
	}
	return path, true
}

// sameExcept compares two mappings but for the keys given.
func sameExcept(in, out any, except map[string]bool) bool {
	im, _ := in.(map[string]any)
	om, _ := out.(map[string]any)
	if in != nil && im == nil {
		return reflect.DeepEqual(in, out) // not a mapping: never to be replaced
	}
	for k, v := range im {
		if !except[k] && !reflect.DeepEqual(v, om[k]) {
			return false
		}
	}
	for k := range om {
		if _, had := im[k]; !had && !except[k] {
			return false
		}
	}
	return true
}

// kept reports whether every item of the input list is in the output list.
func kept(in, out any) bool {
	il, _ := in.([]any)
	ol, _ := out.([]any)
	if in != nil && il == nil {
		return reflect.DeepEqual(in, out) // not a list: never to be replaced
	}
	for _, it := range il {
		found := false
		for _, o := range ol {
			if reflect.DeepEqual(it, o) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// lostComments returns a comment line of the input that the output does
// not hold as often, or "".
func lostComments(in, out []byte) string {
	have := map[string]int{}
	for _, c := range comments(out) {
		have[c]++
	}
	for _, c := range comments(in) {
		if have[c] == 0 {
			return c
		}
		have[c]--
	}
	return ""
}

// comments lists the comment lines yaml.v3 reads in a stream.
func comments(stream []byte) []string {
	stream, _, _ = manifest.FromCR(stream)
	var out []string
	for _, d := range manifest.Split(stream) {
		var n v3.Node
		if err := v3.Unmarshal(append([]byte(d.Separator), d.Raw...), &n); err != nil {
			continue
		}
		var walk func(n *v3.Node)
		walk = func(n *v3.Node) {
			for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
				for _, line := range strings.Split(c, "\n") {
					if line = strings.TrimSpace(line); line != "" {
						out = append(out, line)
					}
				}
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(&n)
	}
	return out
}
