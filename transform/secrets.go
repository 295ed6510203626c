package transform

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Secrets reports credentials written into the manifests: Secret
// documents with literal data or stringData, and container environment
// variables whose names say credential but whose values are literal. It
// changes nothing and never prints a value.
type Secrets struct {
	Scope *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = Secrets{}

// ControlSecrets is the control of literal credentials.
const ControlSecrets = "secrets"

var secretsSection = Section{
	Stage: Review,
	Controls: []Control{{
		Name: ControlSecrets,
		Does: "reports Secrets with literal data and credential-like literal env vars (values never printed)",
		Rules: map[string]Rule{
			"literalData": {"Secret with literal data in the manifest", "Anyone who can read the rendered release reads the secret; use an external secret store or sealed secrets. Values are never printed.", report.Warning},
			"literalEnv":  {"Credential in a literal environment variable", "Use valueFrom.secretKeyRef instead of a literal value. Values are never printed.", report.Warning},
		},
	}},
	Kinds:  []string{"Secret"},
	Filter: func(_ Config, s *Scope) kio.Filter { return Secrets{Scope: s} },
}

var credentialName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY)`)

// Filter implements kio.Filter.
func (f Secrets) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	if !f.Scope.Enabled(ControlSecrets) {
		return nodes, nil
	}
	for _, n := range nodes {
		if kindOf(n) != "Secret" || apiVersionOf(n) != "v1" || f.Scope.DocSkips(n, ControlSecrets) {
			continue
		}
		var keys int
		for _, field := range []string{"data", "stringData"} {
			if m := manifest.LookupMap(n, field); m != nil {
				keys += len(m.YNode().Content) / 2
			}
		}
		if keys > 0 {
			f.Scope.found(f.Scope.object(n), ControlSecrets, "literalData", report.Warning,
				"Secret holds literal values in the manifest ("+plural(keys, "key")+"; values not shown)",
				"render it from an external secret store, or exempt it with chartsec.io/skip: secrets")
		}
	}
	for _, w := range f.Scope.Workloads(nodes, ControlSecrets) {
		for _, c := range w.ContainersFor(ControlSecrets) {
			for _, e := range manifest.LookupSeq(c.Node, "env") {
				env := yaml.NewRNode(e)
				name := manifest.LookupScalar(env, "name")
				if credentialName.MatchString(name) && literalCredential(name, manifest.LookupScalar(env, "value")) {
					w.Found(ControlSecrets, "literalEnv", report.Warning, c.Name,
						"environment variable "+name+" has a literal value that looks like a credential (value not shown); use valueFrom.secretKeyRef")
				}
			}
		}
	}
	return nodes, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// literalCredential tells a credential written into the manifest from the
// settings that merely sit next to one: paths to a mounted secret
// (DB_PASSWORD_FILE=/run/secrets/db), switches (ALLOW_EMPTY_PASSWORD=no).
func literalCredential(name, value string) bool {
	switch strings.ToLower(value) {
	case "", "true", "false", "yes", "no", "on", "off", "0", "1":
		return false
	}
	upper := strings.ToUpper(name)
	return !strings.HasSuffix(upper, "_FILE") && !strings.HasSuffix(upper, "_PATH") && !strings.HasSuffix(upper, "_DIR") &&
		!strings.HasPrefix(value, "/") && !strings.HasPrefix(value, "$(")
}
