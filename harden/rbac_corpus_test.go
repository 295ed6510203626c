package harden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/corpus"
	"github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

const (
	rbacTableBegin = "<!-- rbac-corpus-table: begin (go test ./harden -run TestRBACCorpus -update) -->\n"
	rbacTableEnd   = "<!-- rbac-corpus-table: end -->\n"
)

// TestRBACCorpus runs the rbac and serviceAccount controls over every real
// render: it counts each finding, and keeps the README's table of those
// counts equal to what it counts (-update rewrites it); it asserts that no
// role holding only what leader election needs (leases, events) is
// flagged; and, with serviceAccount.perWorkload, that every workload the
// default config reports as running as default gets an account or a
// reason, that the output is idempotent and that each added ServiceAccount
// decodes strictly.
func TestRBACCorpus(t *testing.T) {
	files := corpus.Files(t)
	counts, renders, severities := map[string]int{}, map[string]int{}, map[string][]string{}
	leaderElection := 0
	for _, file := range files {
		in, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(file)
		rep := &report.Report{}
		if _, err := Run(in, transform.DefaultConfig(), rep); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seen := map[string]bool{}
		flagged := map[string][]string{} // kind/namespace/name -> rbac finding ids
		onDefault := 0
		for _, f := range rep.Findings() {
			if f.Control != transform.ControlRBAC && f.Control != transform.ControlServiceAccount {
				continue
			}
			id := f.ID()
			counts[id]++
			seen[id] = true
			if s := f.Severity.String(); !slices.Contains(severities[id], s) {
				severities[id] = append(severities[id], s)
			}
			if id == "serviceAccount.default" {
				onDefault++
			}
			key := f.Object.Kind + "/" + f.Object.Namespace + "/" + f.Object.Name
			flagged[key] = append(flagged[key], id)
		}
		for id := range seen {
			renders[id]++
		}
		for _, d := range parse(t, in, transform.DefaultConfig().Scope(nil)) {
			if (d.Kind == "Role" || d.Kind == "ClusterRole") && leaderElectionOnly(t, d) {
				leaderElection++
				if ids := flagged[d.Kind+"/"+d.Namespace+"/"+d.Name]; len(ids) > 0 {
					t.Errorf("%s: %s holds only what leader election needs, yet is flagged: %v", name, d.Label(), ids)
				}
			}
		}
		perWorkload(t, name, in, onDefault, counts, renders)
	}
	if leaderElection == 0 {
		t.Error("no role of the corpus holds only leases and events: the least-privilege assertion proves nothing")
	}
	t.Logf("%d roles hold only what leader election needs; none is flagged", leaderElection)
	checkRBACTable(t, rbacTable(counts, renders, severities, len(files)))
}

// perWorkload runs a render with serviceAccount.perWorkload: true.
func perWorkload(t *testing.T, name string, in []byte, onDefault int, counts, renders map[string]int) {
	t.Helper()
	cfg := transform.DefaultConfig()
	cfg.ServiceAccount.PerWorkload = true
	rep := &report.Report{}
	out, err := Run(in, cfg, rep)
	if err != nil {
		t.Fatalf("%s with perWorkload: %v", name, err)
	}
	again, err := Run(out, cfg, nil)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("%s with perWorkload: not idempotent (%v)", name, err)
	}
	const id = "serviceAccount.added"
	moved, added, kept := 0, 0, 0
	for _, f := range rep.Findings() {
		switch {
		case f.ID() == "serviceAccount.perWorkload" && f.Changed:
			moved++
		case f.ID() == id && f.Changed:
			added++
		case f.ID() == "serviceAccount.default":
			kept++
			if !strings.Contains(f.Message, "no account of its own added: ") {
				t.Errorf("%s: %s keeps default without saying why: %s", name, f.Object, f.Message)
			}
		}
	}
	if moved+kept != onDefault {
		t.Errorf("%s: %d workloads run as default, but perWorkload gave %d an account and kept %d", name, onDefault, moved, kept)
	}
	if added > 0 {
		counts[id] += added
		renders[id]++
	}
	generatedAccounts := 0
	for _, d := range parse(t, out, cfg.Scope(nil)) {
		if d.Kind != "ServiceAccount" || !bytes.Contains(d.Raw, []byte(transform.GeneratedLabel)) {
			continue
		}
		generatedAccounts++
		var sa corev1.ServiceAccount
		if err := yaml.UnmarshalStrict(d.Raw, &sa); err != nil {
			t.Errorf("%s: %s: %v", name, d.Label(), err)
		} else if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Errorf("%s: %s mounts its token", name, d.Label())
		}
	}
	if generatedAccounts != added || added > moved {
		t.Errorf("%s: %d ServiceAccounts added for %d workloads", name, generatedAccounts, added)
	}
}

// leaderElectionOnly reports whether a role grants nothing beyond what
// leader election uses: leases, and events to record it.
func leaderElectionOnly(t *testing.T, d *manifest.Doc) bool {
	var role rbacv1.ClusterRole // a Role's rules have the same shape
	if err := yaml.Unmarshal(d.Raw, &role); err != nil {
		t.Fatalf("%s: %v", d.Label(), err)
	}
	leases := false
	for _, r := range role.Rules {
		if len(r.NonResourceURLs) > 0 || slices.Contains(r.Verbs, "*") {
			return false
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				switch {
				case g == "coordination.k8s.io" && res == "leases":
					leases = true
				case (g == "" || g == "events.k8s.io") && res == "events":
				default:
					return false
				}
			}
		}
	}
	return leases
}

// rbacTable writes the counts as the README's Markdown table.
func rbacTable(counts, renders map[string]int, severities map[string][]string, files int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| finding | severity | findings | renders (of %d) |\n| --- | --- | --- | --- |\n", files)
	var ids []string
	for _, r := range transform.RBACRules {
		ids = append(ids, transform.ControlRBAC+"."+r)
	}
	for _, r := range transform.ServiceAccountRules {
		ids = append(ids, transform.ControlServiceAccount+"."+r)
	}
	for _, id := range ids {
		sev := severities[id]
		sort.Strings(sev)
		if len(sev) == 0 {
			sev = []string{"-"}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %d | %d |\n", id, strings.Join(sev, ", "), counts[id], renders[id])
	}
	id := "serviceAccount.added"
	fmt.Fprintf(&b, "| `%s` (with `perWorkload: true`) | change | %d | %d |\n", id, counts[id], renders[id])
	return b.String()
}

// checkRBACTable compares the README's table with the counted one, or
// rewrites it with -update.
func checkRBACTable(t *testing.T, table string) {
	t.Helper()
	path := filepath.Join("..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(readme), rbacTableBegin)
	old, after, ok2 := strings.Cut(rest, rbacTableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("README.md has no %q ... %q block", rbacTableBegin, rbacTableEnd)
	}
	if old == table {
		return
	}
	if *golden.Update {
		if err := os.WriteFile(path, []byte(before+rbacTableBegin+table+rbacTableEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's RBAC corpus table is stale (go test ./harden -run TestRBACCorpus -update); the corpus gives:\n%s", table)
}
