package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/golden"
)

// TestReports keeps golden text, JSON and SARIF reports of one input in
// each mode, and checks the exit codes the README documents.
func TestReports(t *testing.T) {
	in, err := os.ReadFile("testdata/reports/release.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"transform", nil, exitOK},
		{"check", []string{"--check"}, exitFindings},
		{"check-fail-on-never", []string{"--check", "--fail-on", "error", "--disable", "podSecurity,containerSecurity,capabilities"}, exitFindings},
		{"verify", []string{"--verify", "--config", "testdata/reports/exempt-agent.yaml"}, exitOK},
		{"verify-host-level", []string{"--verify"}, exitFindings},
		{"verify-fails", []string{"--verify", "--config", "testdata/reports/allow-chown.yaml"}, exitFindings},
	}
	for _, c := range cases {
		for _, format := range []string{"text", "json", "sarif"} {
			t.Run(c.name+"-"+format, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "report")
				args := append([]string{"--report", format, "--report-file", path}, c.args...)
				code, stdout, stderr := runCLI(t, string(in), args...)
				if code != c.code {
					t.Errorf("exit %d, want %d; stderr %q", code, c.code, stderr)
				}
				if (code == exitOK) != (stdout != "") {
					t.Errorf("exit %d with %d bytes on stdout", code, len(stdout))
				}
				got, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(got), "CANARY") || strings.Contains(stderr, "CANARY") {
					t.Errorf("the report prints a secret value")
				}
				golden.Check(t, filepath.Join("testdata", "reports", c.name+"."+format), got)
			})
		}
	}
}

// TestSARIFSchema validates the golden SARIF reports against the official
// SARIF 2.1.0 JSON schema with scripts/sarif-validate (Node.js and ajv;
// .ci/run installs them).
func TestSARIFSchema(t *testing.T) {
	dir := filepath.Join("scripts", "sarif-validate")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@microsoft", "jest-sarif")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SARIF validator not installed (npm ci --prefix %s): %v", dir, err)
		}
		t.Skipf("SARIF validator not installed; run npm ci --prefix %s", dir)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "reports", "*.sarif"))
	if len(files) == 0 {
		t.Fatal("no SARIF reports to validate")
	}
	for i := range files {
		files[i], _ = filepath.Abs(files[i])
	}
	out, err := exec.Command("node", append([]string{filepath.Join(dir, "validate.js")}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("SARIF validation failed: %v\n%s", err, out)
	}
}
