package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/transform"
)

// The golden reports hold the tool's version: the tests keep it fixed,
// whatever the build of the test binary says.
func init() { version = "development" }

// TestHelp: --help is on stdout (so `--help | less` works), exits 0 and
// shows a Helm 4, a Helm 3 and a GitOps example, every flag, and the
// exit codes.
func TestHelp(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "--help")
	if code != exitOK || stderr != "" {
		t.Fatalf("--help: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"# Helm 4", "# Helm 3", "# GitOps", "--post-renderer chartsec-harden", "| chartsec-harden",
		"Exit codes:", "  0  ", "  1  ", "  2  ", "--list-controls", "--diff", "--report-file"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--help lacks %q:\n%s", want, stdout)
		}
	}
}

// TestListControls: every control, its state, and the config file's
// setting of it.
func TestListControls(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "--list-controls")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, c := range transform.Controls {
		if !regexp.MustCompile(`(?m)^` + c + ` +(on|off) +\S`).MatchString(stdout) {
			t.Errorf("--list-controls has no line for %s:\n%s", c, stdout)
		}
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(cfg, []byte("disable: [resources]\npodSecurity: {runAsUser: 10001}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stdout, _ = runCLI(t, "", "--list-controls", "--config", cfg)
	if !regexp.MustCompile(`(?m)^resources +off `).MatchString(stdout) || !strings.Contains(stdout, "runAsUser 10001") {
		t.Errorf("--list-controls --config does not show the configuration:\n%s", stdout)
	}
	code, stdout, _ = runCLI(t, "", "--list-controls", "--disable", "nope")
	if code != exitError || stdout != "" {
		t.Errorf("--list-controls with a bad --disable: exit %d, stdout %q", code, stdout)
	}
}

// TestDiff: --diff writes a unified diff of what hardening changes, with
// the exit codes of transform mode: 2 and nothing on stdout for bad
// input, 1 and nothing for a --verify failure.
func TestDiff(t *testing.T) {
	code, stdout, stderr := runCLI(t, deployment, "--diff")
	if code != exitOK || !strings.HasPrefix(stdout, "--- input: document 1 (Deployment web) from web/templates/deployment.yaml\n+++ hardened: ") ||
		!strings.Contains(stdout, "\n+          readOnlyRootFilesystem: true\n") || !strings.Contains(stderr, "hardened Deployment web") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	code, stdout, _ = runCLI(t, deployment+"---\n\tbad: [\n", "--diff")
	if code != exitError || stdout != "" {
		t.Errorf("bad input: exit %d, stdout %q", code, stdout)
	}
	code, stdout, _ = runCLI(t, deployment, "--diff", "--check")
	if code != exitError || stdout != "" {
		t.Errorf("--diff --check: exit %d, stdout %q", code, stdout)
	}
	hostNetwork := strings.Replace(deployment, "    spec:\n", "    spec:\n      hostNetwork: true\n", 1)
	code, stdout, _ = runCLI(t, hostNetwork, "--diff", "--verify", "--fail-on", "warning")
	if code != exitFindings || stdout != "" {
		t.Errorf("--diff --verify failing: exit %d, stdout %q", code, stdout)
	}
	hardened := func() string { _, out, _ := runCLI(t, deployment, "-q"); return out }()
	code, stdout, _ = runCLI(t, hardened, "--diff")
	if code != exitOK || stdout != "" {
		t.Errorf("--diff of hardened input: exit %d, stdout %q", code, stdout)
	}
}

var totalLine = regexp.MustCompile(`(?m)^chartsec-harden: total: (\d+) workloads? hardened(?: \(and (\d+) ServiceAccounts?\))?, (\d+) documents? added, (?:\d+ errors?, )?(\d+) warnings?, (\d+) exempt$`)

// TestSummaryTotal: the summary closes with a total whose counts agree
// with what --diff shows changed and added, on every golden case and
// every chart of the corpus.
func TestSummaryTotal(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*/input.yaml")
	corpus := os.Getenv("CHARTSEC_CORPUS")
	if corpus == "" {
		corpus = filepath.Join("..", "shared", "corpus")
	}
	charts, _ := filepath.Glob(filepath.Join(corpus, "*.yaml"))
	inputs = append(inputs, charts...)
	if len(inputs) < 2 {
		t.Fatal("no inputs")
	}
	checked := 0
	for _, f := range inputs {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		args := []string{}
		if c := filepath.Join(filepath.Dir(f), "config.yaml"); strings.HasPrefix(f, "testdata/") && exists(c) {
			args = append(args, "--config", c)
		}
		code, _, stderr := runCLI(t, string(in), args...)
		if code != exitOK {
			continue // the bad-input cases
		}
		m := totalLine.FindStringSubmatch(stderr)
		if m == nil || !strings.HasSuffix(stderr, m[0]+"\n") {
			t.Errorf("%s: the summary does not end with a total:\n%s", f, stderr)
			continue
		}
		_, diff, _ := runCLI(t, string(in), append(args, "--diff", "-q")...)
		changed, added := strings.Count(diff, "\n+++ hardened: document "), strings.Count(diff, "--- /dev/null\n")
		workloads, _ := strconv.Atoi(m[1])
		accounts, _ := strconv.Atoi(m[2] + "0")
		accounts /= 10
		gotAdded, _ := strconv.Atoi(m[3])
		if gotAdded != added {
			t.Errorf("%s: total says %d documents added, --diff shows %d", f, gotAdded, added)
		}
		if !strings.Contains(string(in), "kind: List") && workloads+accounts != changed {
			t.Errorf("%s: total says %d workloads and %d ServiceAccounts hardened, --diff shows %d documents changed", f, workloads, accounts, changed)
		}
		checked++
	}
	if checked < len(inputs)/2 {
		t.Errorf("only %d of %d inputs checked", checked, len(inputs))
	}
	// The total counts exemptions and warnings too.
	in := strings.Replace(deployment, "metadata:\n  name: web\n", "metadata:\n  name: web\n  annotations: {chartsec.io/skip: resources}\n", 1)
	_, _, stderr := runCLI(t, in+"---\napiVersion: v1\nkind: Pod\nmetadata: {name: latest}\nspec: {containers: [{name: a, image: a}]}\n")
	if m := totalLine.FindStringSubmatch(stderr); m == nil || m[5] != "1" || m[4] == "0" {
		t.Errorf("total does not count 1 exempt and the warnings:\n%s", stderr)
	}
	if _, _, stderr := runCLI(t, deployment, "--check"); strings.Contains(stderr, "total:") {
		t.Errorf("--check changes nothing, yet prints a total:\n%s", stderr)
	}
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// TestCompletion: the scripts name every flag; a shell that has them
// installed accepts the script.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, stdout, stderr := runCLI(t, "", "completion", shell)
		if code != exitOK {
			t.Errorf("completion %s: exit %d, %s", shell, code, stderr)
			continue
		}
		for _, flag := range []string{"config", "diff", "list-controls", "report-file", "fail-on"} {
			if !strings.Contains(stdout, "--"+flag) && !strings.Contains(stdout, "-l "+flag+" ") {
				t.Errorf("completion %s lacks --%s", shell, flag)
			}
		}
		if path, err := exec.LookPath(shell); err == nil {
			check := map[string][]string{"bash": {"-n"}, "zsh": {"-n"}, "fish": {"--no-execute"}}[shell]
			cmd := exec.Command(path, check...)
			cmd.Stdin = strings.NewReader(stdout)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s refuses the script: %v\n%s", shell, err, out)
			}
		}
	}
	// What bash offers after "--rep", "--report " and "completion ".
	if bash, err := exec.LookPath("bash"); err == nil {
		_, script, _ := runCLI(t, "", "completion", "bash")
		cmd := exec.Command(bash, "-c", script+`
for words in "--rep" "--report|" "completion|"; do
  IFS='|' read -ra COMP_WORDS <<<"chartsec-harden|$words"
  [[ $words == *'|' ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  _chartsec_harden
  echo "${COMPREPLY[*]}"
done`)
		out, err := cmd.CombinedOutput()
		if want := "--report --report-file\ntext json sarif\nbash zsh fish\n"; err != nil || string(out) != want {
			t.Errorf("bash completion offers %q (%v), want %q", out, err, want)
		}
	}
	if code, _, stderr := runCLI(t, "", "completion", "tcsh"); code != exitError || !strings.Contains(stderr, "tcsh") {
		t.Errorf("completion tcsh: exit %d, %q", code, stderr)
	}
}

// TestNoticeTerminal: a character device other than /dev/null (as a
// terminal is) gets a line saying manifests are read from stdin; pipes,
// files and /dev/null do not.
func TestNoticeTerminal(t *testing.T) {
	notice := func(f *os.File) string {
		var b bytes.Buffer
		noticeTerminal(f, &b)
		return b.String()
	}
	if tty, err := os.Open("/dev/zero"); err == nil { // a character device, like a tty
		defer tty.Close()
		if got := notice(tty); !strings.Contains(got, "reading manifests from stdin") {
			t.Errorf("character device: notice %q", got)
		}
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, f := range []*os.File{null, r} {
		if got := notice(f); got != "" {
			t.Errorf("%s: unexpected notice %q", f.Name(), got)
		}
	}
}

func TestBuildVersion(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "c3c4a025fe16d64810fa461113cab41a56a5d88a"
	cases := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"go install module@v0.2.0", &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}}, "v0.2.0"},
		{"checkout at a tag", &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0+dirty"}, Settings: vcs(rev, "true")}, "v0.2.0+dirty"},
		{"checkout, Go 1.24+", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261125221701-c3c4a025fe16"}, Settings: vcs(rev, "false")}, "0.1.0-dev+c3c4a025fe16"},
		{"checkout with changes", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261125221701-c3c4a025fe16+dirty"}, Settings: vcs(rev, "true")}, "0.1.0-dev+c3c4a025fe16.dirty"},
		{"older Go: (devel) with VCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "false")}, "0.1.0-dev+c3c4a025fe16"},
		{"go install module@commit", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.1-0.20261125221701-c3c4a025fe16"}}, "v0.1.1-0.20261125221701-c3c4a025fe16"},
		{"-buildvcs=false", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "0.1.0-dev"},
	}
	for _, c := range cases {
		if got := buildVersion(c.info, true, "0.1.0"); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := declaredVersion(); !regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(got) {
		t.Errorf("plugin.yaml's version %q is not semver", got)
	}
}

// TestBuildFromCheckoutVersion: `go build` in a git checkout reports the
// commit, not "development".
func TestBuildFromCheckoutVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	// A fresh clone-like copy: git worktrees get no VCS stamp from Go.
	dir := t.TempDir()
	files, err := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	for _, f := range strings.Fields(string(files)) {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // deleted, not yet committed
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.invalid"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-qm", "x")
	rev := git("rev-parse", "HEAD")[:12]
	build := exec.Command("go", "build", "-buildvcs=true", "-o", "bin", ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(dir, "bin"), "--version").Output()
	if want := "chartsec-harden " + declaredVersion() + "-dev+" + rev + "\n"; err != nil || string(out) != want {
		t.Errorf("--version of a checkout build: %q, %v; want %q", out, err, want)
	}
}
