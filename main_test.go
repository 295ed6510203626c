package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/transform"
	yamlv3 "gopkg.in/yaml.v3"
)

const deployment = `---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: example/web:1.0
`

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestBadInput: every kind of broken input exits 2 with a message naming
// the document and line, and writes nothing on stdout, so Helm deploys
// nothing half-hardened.
func TestBadInput(t *testing.T) {
	garbage := make([]byte, 512)
	for i := range garbage {
		garbage[i] = byte(i*7 + 3)
	}
	cases := []struct {
		name, input, want string
	}{
		{"invalid YAML", deployment + "---\nkind: ConfigMap\nmetadata: {name: x\n", "document 2 (ConfigMap), line 15: invalid YAML"},
		{"tab indentation", deployment + "---\nkind: ConfigMap\nmetadata:\n\tname: x\n", "document 2 (ConfigMap), line 16: invalid YAML"},
		{"truncated document", deployment + "---\napiVersion: v1\nkind: Secret\nstringData:\n  key: \"abc", "document 2 (Secret), line 17: invalid YAML"},
		{"top-level list", "---\n- apiVersion: v1\n  kind: ConfigMap\n", "document 1, line 2: document is a YAML list"},
		{"plain value", "---\njust words\n", "document 1, line 2: document is a plain value"},
		{"binary garbage", string(garbage), "document 1"},
		{"duplicate keys", deployment + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n", `document 2 (ConfigMap a), line 18: duplicate key "name" (first at line 17)`},
		{"alias bomb", "---\napiVersion: v1\nkind: Pod\nmetadata: {name: boom}\n" + aliasBomb(), "aliases copy more than"},
		{"two documents without separator", "---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n...\napiVersion: v1\nkind: Pod\n", "more than one YAML document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, c.input)
			if code != exitError {
				t.Errorf("exit code %d, want %d", code, exitError)
			}
			if stdout != "" {
				t.Errorf("stdout is not empty:\n%s", stdout)
			}
			if !strings.Contains(stderr, c.want) || !strings.HasPrefix(stderr, "chartsec-harden: error: ") {
				t.Errorf("stderr %q does not say %q", stderr, c.want)
			}
		})
	}
}

func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 8; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestBadConfig(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, config, want string }{
		{"unknown key", "podSecurity:\n  runAsUsr: 5\n", `line 2: unknown key runAsUsr not found in podSecurity`},
		{"root user", "podSecurity:\n  runAsUser: 0\n", "podSecurity.runAsUser: 0 is not a non-root user ID"},
		{"unknown control", "disable: [nope]\n", `disable: unknown control "nope"`},
		{"bad quantity", "resources:\n  limits:\n    memory: lots\n", `resources.limits.memory: "lots" is not a quantity`},
		{"bad pull policy", "images:\n  pullPolicy: Sometimes\n", `images.pullPolicy: "Sometimes"`},
		{"not YAML", "podSecurity: [\n", "config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(c.config), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, deployment, "--config", path)
			if code != exitError || stdout != "" || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, no stdout, %q", code, stdout, stderr, c.want)
			}
		})
	}
	code, _, stderr := runCLI(t, deployment, "--config", filepath.Join(dir, "missing.yaml"))
	if code != exitError || !strings.Contains(stderr, "missing.yaml") {
		t.Errorf("missing config: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, deployment, "--disable", "podSecurity,bogus")
	if code != exitError || !strings.Contains(stderr, `unknown control "bogus"`) {
		t.Errorf("--disable bogus: exit %d, stderr %q", code, stderr)
	}
}

func TestPassThrough(t *testing.T) {
	for _, in := range []string{"", "# just a comment\n", "---\n# Source: x/templates/empty.yaml\n", "\n\n---\n---\n"} {
		code, stdout, stderr := runCLI(t, in)
		if code != exitOK || stdout != in {
			t.Errorf("input %q: exit %d, stdout %q, stderr %q; want it unchanged", in, code, stdout, stderr)
		}
	}
}

func TestFlags(t *testing.T) {
	code, stdout, _ := runCLI(t, deployment, "--run-as-user", "4242", "--pull-policy", "IfNotPresent", "--image-pull-secret", "regcred", "--quiet")
	for _, want := range []string{"runAsUser: 4242", "imagePullPolicy: IfNotPresent", "- name: regcred"} {
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("exit %d; output lacks %q:\n%s", code, want, stdout)
		}
	}
	code, stdout, stderr := runCLI(t, deployment, "--disable", "resources")
	if code != exitOK || strings.Contains(stdout, "resources:") || !strings.Contains(stderr, "hardened Deployment web") {
		t.Errorf("--disable resources: exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	code, stdout, _ = runCLI(t, "", "--version")
	if code != exitOK || !strings.HasPrefix(stdout, "chartsec-harden ") {
		t.Errorf("--version: exit %d, %q", code, stdout)
	}
	code, stdout, stderr = runCLI(t, deployment, "--bogus")
	if code != exitError || stdout != "" || !strings.Contains(stderr, "unknown flag: --bogus") {
		t.Errorf("unknown flag: exit %d, stderr %q", code, stderr)
	}
	code, stdout, stderr = runCLI(t, deployment, "extra-arg")
	if code != exitError || stdout != "" || !strings.Contains(stderr, "stdin") {
		t.Errorf("positional argument: exit %d, stderr %q", code, stderr)
	}
}

// TestReportFile: Helm 4 drops a post-renderer's stderr, so the summary
// and any error also go to --report-file (or $CHARTSEC_REPORT_FILE).
func TestReportFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.txt")
	code, _, _ := runCLI(t, deployment, "--report-file", path)
	b, err := os.ReadFile(path)
	if code != exitOK || err != nil || !strings.Contains(string(b), "hardened Deployment web") {
		t.Errorf("exit %d, report %q, %v", code, b, err)
	}
	code, _, _ = runCLI(t, deployment, "--confg=x.yaml", "--report-file="+path)
	b, err = os.ReadFile(path)
	if code != exitError || err != nil || !strings.Contains(string(b), "unknown flag: --confg") {
		t.Errorf("a mistyped flag: exit %d, report %q, %v", code, b, err)
	}
	t.Setenv("CHARTSEC_REPORT_FILE", path)
	code, stdout, _ := runCLI(t, "---\n- a list\n")
	b, err = os.ReadFile(path)
	if code != exitError || stdout != "" || err != nil || !strings.Contains(string(b), "document 1, line 2: document is a YAML list") {
		t.Errorf("exit %d, report %q, %v", code, b, err)
	}
}

// TestBinary drives the built binary the way Helm does: stdin, stdout,
// stderr and the exit status of a real process.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "chartsec-harden")
	build := exec.Command("go", "build", "-o", bin, "-ldflags", "-X main.version=v9.9.9-test", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || string(out) != "chartsec-harden v9.9.9-test\n" {
		t.Errorf("--version: %q, %v", out, err)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(deployment)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || !strings.Contains(stdout.String(), "readOnlyRootFilesystem: true") {
		t.Errorf("run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	cmd = exec.Command(bin)
	cmd.Stdin = strings.NewReader("---\n\tkind: x\n")
	stdout.Reset()
	cmd.Stdout = &stdout
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitError || stdout.Len() != 0 {
		t.Errorf("bad input: %v, stdout %q", err, stdout.String())
	}
}

// TestKRMFunction: given a ResourceList (kustomize --enable-exec, kpt fn
// eval --exec), the answer is a ResourceList with the items hardened and
// the functionConfig's spec used as configuration.
func TestKRMFunction(t *testing.T) {
	in, err := os.ReadFile("testdata/krm/resourcelist.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, string(in), "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"kind: ResourceList", "runAsUser: 4321", "readOnlyRootFilesystem: true", "name: cm", "config.kubernetes.io/index: '0'"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Count(stdout, "\n---") > 0 {
		t.Errorf("answer must be one ResourceList document:\n%s", stdout)
	}
}

// TestCorpusCheckAndVerify: --check on the raw renders fails (exit 1,
// nothing on stdout) exactly for the charts with a workload that fails
// Pod Security Standards and is not accepted by an exemption, and passes
// the others through unchanged. --verify after hardening passes every
// chart whose workloads all pass baseline; a chart with host-level
// workloads fails, each of them named with the exemption that accepts it,
// and with those exemptions as config it passes, listing them as not
// verified.
func TestCorpusCheckAndVerify(t *testing.T) {
	dir := os.Getenv("CHARTSEC_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no corpus at %s", dir)
		}
		t.Skipf("no corpus at %s", dir)
	}
	snippetRE := regexp.MustCompile(`only an exemption accepts it: (exclude: \[.*\]) in the config`)
	failed, hostCharts := 0, 0
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		code, stdout, stderr := runCLI(t, string(in), "--check", "--report", "text")
		fails := strings.Contains(stderr, "[error]          podSecurityStandards.")
		// the one RBAC finding that is an error by default
		clusterAdmin := strings.Contains(stderr, "[error]          rbac.clusterAdmin")
		switch {
		case code == exitFindings && (fails || clusterAdmin) && stdout == "" && lastLine(stderr) != "" && strings.HasPrefix(lastLine(stderr), "chartsec-harden: FAILED --check: "):
			failed++
		case code == exitOK && !fails && !clusterAdmin && stdout == string(in):
		default:
			t.Errorf("%s: --check exit %d, %d bytes out, errors %v, cluster-admin %v, last line %q", name, code, len(stdout), fails, clusterAdmin, lastLine(stderr))
		}

		code, stdout, stderr = runCLI(t, string(in), "--verify", "--report", "text")
		hostLevel := strings.Count(stderr, "[warning]        podSecurity.hostLevel: not hardened")
		baseline := snippetRE.FindAllStringSubmatch(stderr, -1)
		if len(baseline) < hostLevel {
			t.Errorf("%s: %d host-level workloads, but --verify fails only %d at baseline", name, hostLevel, len(baseline))
		}
		if len(baseline) == 0 {
			if code != exitOK || stdout == "" {
				t.Errorf("%s: --verify exit %d:\n%s", name, code, stderr)
			}
			continue
		}
		hostCharts++
		if code != exitFindings || stdout != "" || !strings.HasPrefix(lastLine(stderr), "chartsec-harden: FAILED --verify restricted: ") ||
			!strings.HasSuffix(lastLine(stderr), "nothing was written to stdout") {
			t.Errorf("%s: --verify with %d baseline failures: exit %d, %d bytes out, last line %q", name, len(baseline), code, len(stdout), lastLine(stderr))
		}
		// The snippets, as config, accept exactly those workloads: each
		// names its workload by kind and name.
		var exclude []transform.ExcludeRule
		for _, m := range baseline {
			var c struct{ Exclude []transform.ExcludeRule }
			if err := yamlv3.Unmarshal([]byte(m[1]), &c); err != nil || len(c.Exclude) == 0 {
				t.Fatalf("%s: snippet %q: %v", name, m[1], err)
			}
			for _, r := range c.Exclude {
				if r.Kind == "" || r.Name == "" || strings.Join(r.Controls, ",") != transform.PodSecurityStandards {
					t.Errorf("%s: snippet %q does not name one workload's podSecurityStandards", name, m[1])
				}
			}
			exclude = append(exclude, c.Exclude...)
		}
		cfgFile := filepath.Join(t.TempDir(), "exempt.yaml")
		cfg, err := yamlv3.Marshal(map[string]any{"exclude": exclude})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfgFile, cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr = runCLI(t, string(in), "--verify", "--report", "text", "--config", cfgFile)
		if code != exitOK || stdout == "" || strings.Contains(stderr, "podSecurityStandards.baseline") {
			t.Errorf("%s: --verify with the snippets as config: exit %d:\n%s", name, code, stderr)
		}
		if got := strings.Count(stderr, "[warning]        podSecurityStandards.accepted: fails baseline"); got != len(baseline) {
			t.Errorf("%s: %d workloads accepted at baseline, want %d", name, got, len(baseline))
		}
		code, _, stderr = runCLI(t, string(in), "--check", "--report", "text", "--config", cfgFile)
		if strings.Contains(stderr, "podSecurityStandards.baseline") {
			t.Errorf("%s: --check with the snippets as config still fails baseline (exit %d)", name, code)
		}
	}
	// The corpus has charts that run as root, and node agents (MANIFEST.tsv);
	// a check that flags none, or all, is broken.
	if failed == 0 || failed == len(files) || hostCharts == 0 {
		t.Errorf("--check failed %d of %d charts; --verify found host-level workloads in %d", failed, len(files), hostCharts)
	}
	t.Logf("--check fails %d of %d charts; %d charts have workloads that fail baseline after hardening", failed, len(files), hostCharts)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestReadmeExample: the README's before/after example is what the tool
// really does.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := func(marker string) string {
		_, rest, ok := strings.Cut(string(readme), "<!-- readme-example: "+marker+" -->\n```yaml\n")
		if !ok {
			t.Fatalf("README has no %s example", marker)
		}
		body, _, _ := strings.Cut(rest, "```\n")
		return body
	}
	code, stdout, stderr := runCLI(t, block("input"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := block("output"); stdout != want {
		t.Errorf("the README's output example is stale; the tool now writes:\n%s", stdout)
	}
	if !strings.Contains(string(readme), strings.TrimSpace(stderr)) {
		t.Errorf("the README's summary example is stale; the tool now says:\n%s", stderr)
	}
}

// TestResourceListDetection: only a stream of exactly one document whose
// own apiVersion and kind are config.kubernetes.io/v1 ResourceList is a
// KRM function call; text that mentions them is an ordinary document, and
// nothing of the stream is lost.
func TestResourceListDetection(t *testing.T) {
	mention := `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: krm-docs
data:
  example.yaml: |
    apiVersion: config.kubernetes.io/v1
    kind: ResourceList
    items: []
`
	flow := "---\n{apiVersion: v1, kind: ConfigMap, metadata: {name: flow}, data: {a: \"kind: ResourceList config.kubernetes.io/v1\"}}\n"
	rlAmongOthers := "---\napiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n" + deployment
	for name, in := range map[string]string{
		"a ConfigMap that mentions a ResourceList, first": mention + deployment,
		"a ConfigMap that mentions a ResourceList, last":  deployment + mention,
		"a ConfigMap that mentions a ResourceList, alone": mention,
		"a flow-style mention":                            flow + deployment,
		"a ResourceList among other documents":            rlAmongOthers,
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, in, "--quiet")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if strings.HasPrefix(stdout, "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n") {
				t.Fatalf("answered as a KRM function:\n%s", stdout)
			}
			for _, name := range []string{"name: krm-docs", "name: flow", "name: web", "kind: ResourceList"} {
				if strings.Count(stdout, name) < strings.Count(in, name) {
					t.Errorf("output lost %q:\n%s", name, stdout)
				}
			}
			if strings.Contains(in, "name: web") && !strings.Contains(stdout, "readOnlyRootFilesystem: true") {
				t.Errorf("the Deployment was not hardened:\n%s", stdout)
			}
			if strings.Contains(in, "krm-docs") && !strings.Contains(stdout, "krm-docs") {
				t.Errorf("the ConfigMap is lost:\n%s", stdout)
			}
		})
	}
}

// resourceList wraps documents in a KRM function call with a function
// config spec.
func resourceList(spec string, items ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if spec != "" {
		b.WriteString("functionConfig:\n  apiVersion: chartsec.io/v1alpha1\n  kind: ChartsecHarden\n  spec:\n")
		for _, l := range strings.Split(strings.TrimSpace(spec), "\n") {
			b.WriteString("    " + l + "\n")
		}
	}
	b.WriteString("items:\n")
	for _, it := range items {
		for i, l := range strings.Split(strings.TrimSpace(it), "\n") {
			if i == 0 {
				b.WriteString("- " + l + "\n")
			} else {
				b.WriteString("  " + l + "\n")
			}
		}
	}
	return b.String()
}

const rootDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: root-app
spec:
  template:
    spec:
      securityContext:
        runAsUser: 0
      containers:
      - name: app
        image: example/app:1.0
        securityContext:
          capabilities:
            add: [SYS_ADMIN]
`

// TestResourceListModes: --check and --verify see a ResourceList's items,
// exactly as they see the same documents as a plain stream.
func TestResourceListModes(t *testing.T) {
	plain := "---\n" + rootDeployment
	krm := resourceList("", rootDeployment)
	for _, args := range [][]string{{"--check"}, {"--verify"}, {"--verify=baseline"}, {"--check", "--fail-on", "info"}} {
		pc, pout, perr := runCLI(t, plain, append([]string{"--report", "text"}, args...)...)
		kc, kout, kerr := runCLI(t, krm, append([]string{"--report", "text"}, args...)...)
		if pc != exitFindings || kc != pc || pout != "" || kout != "" {
			t.Errorf("%v: plain exit %d, ResourceList exit %d (want %d, no stdout)", args, pc, kc, exitFindings)
		}
		if perr != kerr {
			t.Errorf("%v: the ResourceList's report differs from the plain stream's:\n%s\n---\n%s", args, kerr, perr)
		}
		if !strings.Contains(kerr, "Deployment root-app") || !strings.Contains(kerr, "SYS_ADMIN") {
			t.Errorf("%v: the report does not name the item:\n%s", args, kerr)
		}
	}
	// Passing: the answer of --check is the input; of --verify, the
	// hardened ResourceList.
	ok := resourceList("", strings.Replace(strings.Replace(rootDeployment, "runAsUser: 0", "runAsUser: 10", 1), "add: [SYS_ADMIN]", "add: [CHOWN]", 1))
	code, stdout, stderr := runCLI(t, ok, "--verify", "--quiet")
	if code != exitOK || !strings.HasPrefix(stdout, "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n") || !strings.Contains(stdout, "readOnlyRootFilesystem: true") {
		t.Errorf("--verify: exit %d, %s\n%s", code, stderr, stdout)
	}
}

// TestResourceListConfigLayers: the function config is laid over --config
// and the flags, not over the built-in defaults.
func TestResourceListConfigLayers(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "chartsec.yaml")
	if err := os.WriteFile(cfg, []byte("podSecurity:\n  runAsGroup: 777\n  fsGroup: 888\nimages:\n  pullSecrets: [from-config]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := resourceList("podSecurity:\n  runAsUser: 4321\n  fsGroup: 999\n", strings.TrimPrefix(deployment, "---\n# Source: web/templates/deployment.yaml\n"))
	code, stdout, stderr := runCLI(t, in, "--quiet", "--config", cfg, "--pull-policy", "IfNotPresent")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"runAsUser: 4321",               // function config
		"fsGroup: 999",                  // function config over --config
		"runAsGroup: 777",               // --config, kept under the function config
		"- name: from-config",           // --config
		"imagePullPolicy: IfNotPresent", // flag
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	// A bad function config is an error, named as such.
	code, stdout, stderr = runCLI(t, resourceList("podSecurity:\n  runAsUser: 0\n", rootDeployment), "--check")
	if code != exitError || stdout != "" || !strings.Contains(stderr, "functionConfig: podSecurity.runAsUser: 0") {
		t.Errorf("bad function config: exit %d, stderr %q", code, stderr)
	}
}

// TestUsageErrorsReachReportFile: Helm 4 hides stderr, so every usage
// error is also written to --report-file, wherever that flag stands, and
// nothing else is done first.
func TestUsageErrorsReachReportFile(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--fail-on=critical"}, `--fail-on: unknown severity "critical"`},
		{[]string{"--report=xml"}, `--report: unknown format "xml"`},
		{[]string{"stray"}, `unexpected argument "stray"`},
		{[]string{"--check", "--verify"}, "--check and --verify cannot be combined"},
		{[]string{"--verify=strict"}, `--verify: unknown level "strict"`},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"--run-as-user", "root"}, `invalid argument "root"`},
		{[]string{"--run-as-user", "0"}, "podSecurity.runAsUser: 0"},
		{[]string{"--disable", "nope"}, `unknown control "nope"`},
	}
	for _, c := range cases {
		for _, where := range []string{"first", "last", "env"} {
			t.Run(strings.Join(c.args, " ")+" "+where, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "report.txt")
				args := append([]string{}, c.args...)
				switch where {
				case "first":
					args = append([]string{"--report-file", path}, args...)
				case "last":
					args = append(args, "--report-file="+path)
				case "env":
					t.Setenv("CHARTSEC_REPORT_FILE", path)
				}
				code, stdout, stderr := runCLI(t, deployment, args...)
				b, err := os.ReadFile(path)
				if code != exitError || stdout != "" || err != nil || !strings.Contains(string(b), c.want) || !strings.Contains(stderr, c.want) {
					t.Fatalf("exit %d, stdout %q, stderr %q, report %q (%v); want exit 2 and %q in both", code, stdout, stderr, b, err, c.want)
				}
				// Validated before any work: no summary of a hardening.
				if strings.Contains(stderr, "hardened") || strings.Contains(string(b), "hardened") {
					t.Errorf("a summary before the usage error:\n%s", stderr)
				}
			})
		}
	}
}

// TestVerdict: a failing --check or --verify ends stderr and the report
// file with one verdict line; the text report does not speak of changes
// made when nothing was written; JSON carries the verdict.
func TestVerdict(t *testing.T) {
	in := "---\n" + rootDeployment
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--check"}, "chartsec-harden: FAILED --check: 1 error in 1 workload (--fail-on error); nothing was written to stdout"},
		{[]string{"--verify"}, "chartsec-harden: FAILED --verify restricted: 1 error in 1 workload (--fail-on error); nothing was written to stdout"},
		{[]string{"--verify", "--report", "text"}, "chartsec-harden: FAILED --verify restricted: 1 error in 1 workload (--fail-on error); nothing was written to stdout"},
		{[]string{"--check", "--fail-on", "warning"}, "chartsec-harden: FAILED --check: 1 error and WARNINGS in 1 object (--fail-on warning); nothing was written to stdout"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report")
			code, stdout, stderr := runCLI(t, in, append(c.args, "--report-file", path)...)
			b, _ := os.ReadFile(path)
			if code != exitFindings || stdout != "" {
				t.Fatalf("exit %d, %d bytes out", code, len(stdout))
			}
			// The warnings the summary lists, counted.
			c.want = strings.Replace(c.want, "WARNINGS", fmt.Sprintf("%d warnings", strings.Count("\n"+stderr, "\nchartsec-harden: warning ")), 1)
			if lastLine(stderr) != c.want || lastLine(string(b)) != c.want {
				t.Errorf("last lines:\n  stderr %q\n  report %q\nwant %q", lastLine(stderr), lastLine(string(b)), c.want)
			}
			if strings.Count(stderr, "FAILED") != 1 || strings.Contains(stderr, "changes made") || strings.Contains(stderr, "chartsec-harden: hardened ") {
				t.Errorf("stderr speaks of changes made, or has more than one verdict:\n%s", stderr)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "report.json")
	code, _, stderr := runCLI(t, in, "--verify", "--report", "json", "--report-file", path)
	b, _ := os.ReadFile(path)
	var rep struct{ Verdict string }
	if err := json.Unmarshal(b, &rep); err != nil || code != exitFindings || !strings.HasPrefix(rep.Verdict, "chartsec-harden: FAILED --verify") || lastLine(stderr) != rep.Verdict {
		t.Errorf("JSON: exit %d, verdict %q (%v), stderr %q", code, rep.Verdict, err, stderr)
	}
	// A passing run has no verdict line, and its text report counts the
	// changes it made.
	code, _, stderr = runCLI(t, deployment, "--verify", "--report", "text")
	if code != exitOK || strings.Contains(stderr, "FAILED") || !strings.Contains(lastLine(stderr), "changes made") {
		t.Errorf("passing --verify: exit %d, last line %q", code, lastLine(stderr))
	}
}

// gateWorkloads are the kinds of workload the README's CI section
// exempts: a CNI, a CSI driver node plugin and controller, a log shipper
// with hostPath, and a mesh's iptables init container.
var gateWorkloads = map[string]string{
	"calico-node": `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: calico-node
        image: calico/node:v3.28.0
        securityContext: {privileged: true}
        volumeMounts: [{name: cni-bin, mountPath: /host/opt/cni/bin}]
      volumes:
      - {name: cni-bin, hostPath: {path: /opt/cni/bin}}
`,
	"csi-nfs-node": `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: csi-nfs-node, namespace: kube-system}
spec:
  template:
    spec:
      containers:
      - name: nfs
        image: registry.k8s.io/sig-storage/nfsplugin:v4.13.4
        securityContext:
          privileged: true
          capabilities: {add: [SYS_ADMIN]}
      volumes:
      - {name: pods-mount-dir, hostPath: {path: /var/lib/kubelet/pods, type: Directory}}
`,
	"csi-nfs-controller": `apiVersion: apps/v1
kind: Deployment
metadata: {name: csi-nfs-controller, namespace: kube-system}
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: nfs
        image: registry.k8s.io/sig-storage/nfsplugin:v4.13.4
        securityContext:
          privileged: true
          capabilities: {add: [SYS_ADMIN]}
`,
	"fluent-bit": `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fluent-bit, namespace: logging}
spec:
  template:
    spec:
      containers:
      - name: fluent-bit
        image: cr.fluentbit.io/fluent/fluent-bit:3.1.0
        volumeMounts: [{name: varlog, mountPath: /var/log}]
      volumes:
      - {name: varlog, hostPath: {path: /var/log}}
`,
	"productpage": `apiVersion: apps/v1
kind: Deployment
metadata: {name: productpage, namespace: shop}
spec:
  template:
    spec:
      initContainers:
      - name: istio-init
        image: docker.io/istio/proxyv2:1.24.0
        securityContext:
          runAsUser: 0
          runAsNonRoot: false
          capabilities: {add: [NET_ADMIN, NET_RAW], drop: [ALL]}
      containers:
      - name: productpage
        image: example/productpage:1.0
`,
}

// TestReadmeGateExemptions: without exemptions, --check and --verify fail
// each kind of node agent the README names; with the README's exclude
// entries as config they accept them; a privileged workload the entries
// do not name still fails, and so does a mesh pod whose own app container
// asks for host access.
func TestReadmeGateExemptions(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- readme-example: gate-exemptions -->\n```yaml\n")
	if !ok {
		t.Fatal("README has no gate-exemptions example")
	}
	block, _, _ := strings.Cut(rest, "```\n")
	cfg := filepath.Join(t.TempDir(), "gate.yaml")
	if err := os.WriteFile(cfg, []byte(block), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, doc := range gateWorkloads {
		in := "---\n" + doc
		for _, mode := range []string{"--check", "--verify"} {
			code, stdout, stderr := runCLI(t, in, mode)
			if code != exitFindings || stdout != "" || !strings.Contains(stderr, "fails baseline") || !strings.Contains(stderr, "only an exemption accepts it: exclude: [{") {
				t.Errorf("%s %s without exemptions: exit %d:\n%s", name, mode, code, stderr)
			}
			code, _, stderr = runCLI(t, in, mode, "--config", cfg)
			if strings.Contains(stderr, "podSecurityStandards") && strings.Contains(stderr, "only an exemption accepts it") {
				t.Errorf("%s %s with the README's exemptions still fails baseline (exit %d):\n%s", name, mode, code, stderr)
			}
			if !strings.Contains(stderr, "accepted by an exemption") {
				t.Errorf("%s %s: the accepted failures are not listed:\n%s", name, mode, stderr)
			}
		}
		code, stdout, stderr := runCLI(t, in, "--verify", "--config", cfg)
		if code != exitOK || stdout == "" {
			t.Errorf("%s --verify with the README's exemptions: exit %d:\n%s", name, code, stderr)
		}
	}
	for name, in := range map[string]string{
		"an unnamed privileged DaemonSet": "---\n" + strings.Replace(gateWorkloads["calico-node"], "name: calico-node,", "name: other-agent,", 1),
		"a mesh pod whose app adds NET_ADMIN": "---\n" + strings.Replace(gateWorkloads["productpage"],
			"image: example/productpage:1.0\n", "image: example/productpage:1.0\n        securityContext: {capabilities: {add: [NET_ADMIN]}}\n", 1),
	} {
		code, _, stderr := runCLI(t, in, "--verify", "--config", cfg)
		if code != exitFindings || !strings.Contains(stderr, "fails baseline") {
			t.Errorf("%s: --verify with the README's exemptions: exit %d:\n%s", name, code, stderr)
		}
	}
}
