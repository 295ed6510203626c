package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
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
// restricted and is not host-level, and passes the others through
// unchanged; --verify after hardening passes every chart, listing the
// host-level workloads as not verified.
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
	failed := 0
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		code, stdout, stderr := runCLI(t, string(in), "--check", "--report", "text")
		rootFails := strings.Contains(stderr, "[error]          podSecurityStandards.")
		switch {
		case code == exitFindings && rootFails && stdout == "":
			failed++
		case code == exitOK && !rootFails && stdout == string(in):
		default:
			t.Errorf("%s: --check exit %d, %d bytes out, restricted errors %v", name, code, len(stdout), rootFails)
		}
		code, stdout, stderr = runCLI(t, string(in), "--verify", "--report", "text")
		if code != exitOK || stdout == "" {
			t.Errorf("%s: --verify exit %d:\n%s", name, code, stderr)
		}
		if strings.Contains(string(in), "hostNetwork: true") && !strings.Contains(stderr, "not verified at restricted: host-level pod") {
			t.Errorf("%s: --verify does not list its host-level workload", name)
		}
	}
	// The corpus has charts that run as root (MANIFEST.tsv); a check that
	// flags none, or all, is broken.
	if failed == 0 || failed == len(files) {
		t.Errorf("--check failed %d of %d charts", failed, len(files))
	}
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
