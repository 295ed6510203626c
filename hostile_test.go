package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUndecodableTemplate: --check and --verify on a pod template
// Kubernetes cannot read name the document, line and field, with nothing
// before the error that says the run hardened anything.
func TestUndecodableTemplate(t *testing.T) {
	in := strings.Replace(deployment, "        image: example/web:1.0\n", "        image: example/web:1.0\n        securityContext:\n          runAsUser: \"1000\"\n", 1)
	const want = "chartsec-harden: error: document 1 (Deployment web) from web/templates/deployment.yaml, line 14: "
	for _, args := range [][]string{{"--check"}, {"--verify"}, {"--verify", "--report", "text"}} {
		code, stdout, stderr := runCLI(t, in, args...)
		if code != exitError || stdout != "" || !strings.Contains(stderr, want) || !strings.Contains(stderr, "runAsUser is a string") || strings.Contains(stderr, "hardened") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", args, code, stdout, stderr, want)
		}
	}
}

// TestReportFileUnwritable: when --report-file cannot be written, the
// input's error still reaches stderr, then the report file's.
func TestReportFileUnwritable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "report.txt")
	for _, format := range []string{"", "json"} {
		code, stdout, stderr := runCLI(t, "---\n- a list\n", "--report-file", path, "--report", format)
		if code != exitError || stdout != "" || !strings.Contains(stderr, "document 1, line 2: document is a YAML list") || !strings.Contains(stderr, "writing the report") {
			t.Errorf("--report %q: exit %d, stdout %q, stderr %q", format, code, stdout, stderr)
		}
	}
}

// TestConfigSecondDocument: a config file holding a second YAML document
// is refused, not half read.
func TestConfigSecondDocument(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("podSecurity:\n  runAsUser: 5000\n---\ndisable: [networkPolicy]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, deployment, "--config", path)
	if code != exitError || stdout != "" || !strings.Contains(stderr, "line 4: a second YAML document") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// A trailing "---" holds no second document.
	if err := os.WriteFile(path, []byte("podSecurity:\n  runAsUser: 5000\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, deployment, "--config", path); code != exitOK {
		t.Errorf("trailing separator: exit %d, %s", code, stderr)
	}
}

// TestYAMLDirectiveStream: a %YAML directive before "---" is accepted and
// kept.
func TestYAMLDirectiveStream(t *testing.T) {
	code, stdout, stderr := runCLI(t, "%YAML 1.1\n"+deployment, "-q")
	if code != exitOK || !strings.HasPrefix(stdout, "%YAML 1.1\n---\n# Source: web/templates/deployment.yaml\n") || !strings.Contains(stdout, "runAsNonRoot: true") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}

// TestClosedStdout: started with stdout closed (`>&-`), the run fails
// instead of losing its output; `>/dev/null` is a choice and succeeds.
func TestClosedStdout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	bin := filepath.Join(t.TempDir(), "chartsec-harden")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for redirect, want := range map[string]int{">&-": exitError, ">/dev/null": exitOK} {
		cmd := exec.Command("sh", "-c", "\"$0\" -q "+redirect, bin)
		cmd.Stdin = strings.NewReader(deployment)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != want {
			t.Errorf("%s: exit %d, want %d (%s)", redirect, code, want, out)
		}
	}
}
