// Command chartsec-harden reads rendered Kubernetes manifests on stdin
// (as Helm hands them to a post-renderer) and writes them hardened on
// stdout. See README.md.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/chartsec/chartsec-harden/harden"
	"github.com/chartsec/chartsec-harden/internal/gcpace"
	"github.com/chartsec/chartsec-harden/internal/hugeheap"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
	"github.com/spf13/pflag"
)

// version is set at release with -ldflags "-X main.version=v1.2.3";
// other builds report what Go knows of them (buildVersion).
var version = "development"

func init() {
	if version == "development" {
		info, ok := debug.ReadBuildInfo()
		version = buildVersion(info, ok, declaredVersion())
	}
}

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

func main() {
	var stdout io.Writer = os.Stdout
	if stdoutClosed() {
		stdout = closedWriter{}
	}
	hugeheap.Enable()
	gcpace.Enable()
	os.Exit(run(os.Args[1:], os.Stdin, stdout, os.Stderr))
}

// closedWriter stands for a closed stdout: the output has nowhere to go,
// which must fail the run rather than lose it.
type closedWriter struct{}

func (closedWriter) Write([]byte) (int, error) {
	return 0, errors.New("stdout is closed: the output has nowhere to go")
}

type options struct {
	check        bool
	verify       string
	reportFormat string
	failOn       string
	configFile   string
	disable      []string
	runAsUser    int64
	runAsGroup   int64
	fsGroup      int64
	pullPolicy   string
	pullSecrets  []string
	quiet        bool
	reportFile   string
	printVersion bool
	diff         bool
	listControls bool
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("chartsec-harden", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.BoolVar(&o.check, "check", false, "change nothing: report findings; exit 1 (no stdout) at --fail-on, else pass the input through")
	fs.StringVar(&o.verify, "verify", "", "after hardening, verify every pod against Pod Security Standards LEVEL (restricted, baseline); exit 1 (no stdout) on a failure")
	fs.Lookup("verify").NoOptDefVal = "restricted"
	fs.StringVar(&o.reportFormat, "report", "", "report format: text, json or sarif (default: a one-line-per-workload summary)")
	fs.StringVar(&o.failOn, "fail-on", "error", "with --check or --verify: the severity that fails (info, warning, error)")
	fs.StringVar(&o.configFile, "config", os.Getenv("CHARTSEC_CONFIG"), "configuration file (YAML); env CHARTSEC_CONFIG")
	fs.StringSliceVar(&o.disable, "disable", nil, "controls to switch off, comma-separated (see README)")
	fs.Int64Var(&o.runAsUser, "run-as-user", 0, "UID for pods that set none or run as root (default from config, 1000)")
	fs.Int64Var(&o.runAsGroup, "run-as-group", 0, "GID for pods that set none (default from config, 1000)")
	fs.Int64Var(&o.fsGroup, "fs-group", 0, "fsGroup for pods that set none (default from config, 1000)")
	fs.StringVar(&o.pullPolicy, "pull-policy", "", "imagePullPolicy for tagged images: Always, IfNotPresent or keep")
	fs.StringSliceVar(&o.pullSecrets, "image-pull-secret", nil, "imagePullSecrets name to add to every pod (repeatable)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "do not print the summary of changes to stderr")
	fs.StringVar(&o.reportFile, "report-file", os.Getenv("CHARTSEC_REPORT_FILE"), "also write the summary and any error to this file (Helm 4 hides stderr); env CHARTSEC_REPORT_FILE")
	fs.BoolVar(&o.printVersion, "version", false, "print the version and exit")
	fs.BoolVar(&o.diff, "diff", false, "write a unified diff of each changed or added document instead of the hardened stream (for review, not as a post-renderer)")
	fs.BoolVar(&o.listControls, "list-controls", false, "list every control: what it does, its config keys and setting (with --config: as configured), and exit")
	fs.Usage = func() { writeUsage(stdout, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		// The flags did not parse, so --report-file is looked for by hand.
		return usageError(stderr, reportFileArg(args), fmt.Errorf("%v (see --help)", err))
	}
	if o.printVersion {
		if _, err := fmt.Fprintln(stdout, "chartsec-harden", version); err != nil {
			fmt.Fprintf(stderr, "chartsec-harden: error: writing stdout: %v\n", err)
			return exitError
		}
		return exitOK
	}
	if fs.NArg() == 2 && fs.Arg(0) == "completion" {
		if err := writeCompletion(stdout, fs.Arg(1), fs); err != nil {
			return usageError(stderr, o.reportFile, err)
		}
		return exitOK
	}
	failOn, err := validateFlags(fs, o)
	if err != nil {
		return usageError(stderr, o.reportFile, err)
	}
	if o.listControls {
		cfg, err := loadConfig(fs, o)
		if err == nil {
			err = writeControls(stdout, cfg)
		}
		if err != nil {
			fmt.Fprintf(stderr, "chartsec-harden: error: %v\n", err)
			return exitError
		}
		return exitOK
	}
	noticeTerminal(stdin, stderr)
	rep := &report.Report{}
	out, failing, runErr := execute(fs, o, failOn, stdin, rep)
	code := exitOK
	switch {
	case runErr != nil:
		code = exitError
		// What a failed run did is undone (nothing reaches stdout): a
		// summary of it would only mislead.
		rep = &report.Report{}
	case len(failing) > 0:
		code = exitFindings
	}
	rep.SetWritten(code == exitOK)
	if err := writeReport(o, rep, runErr, verdict(o, failOn, failing), stderr); err != nil {
		fmt.Fprintf(stderr, "chartsec-harden: error: writing the report: %v\n", err)
		return exitError
	}
	if code == exitOK {
		if _, err := out.WriteTo(stdout); err != nil {
			fmt.Fprintf(stderr, "chartsec-harden: error: writing stdout: %v\n", err)
			return exitError
		}
	}
	return code
}

// validateFlags checks every flag's value before any work is done, so
// that a typo is the only thing reported.
func validateFlags(fs *pflag.FlagSet, o options) (report.Severity, error) {
	if fs.NArg() > 0 {
		return 0, fmt.Errorf("unexpected argument %q: manifests are read from stdin", fs.Arg(0))
	}
	failOn, err := report.ParseSeverity(o.failOn)
	if err != nil {
		return 0, fmt.Errorf("--fail-on: %w", err)
	}
	if o.check && o.verify != "" {
		return 0, errors.New("--check and --verify cannot be combined: --check already evaluates Pod Security Standards; use --verify only when transforming")
	}
	if o.check && o.diff {
		return 0, errors.New("--check changes nothing, so there is no diff; use --diff without --check")
	}
	switch o.reportFormat {
	case "", "text", "json", "sarif":
	default:
		return 0, fmt.Errorf("--report: unknown format %q (text, json, sarif)", o.reportFormat)
	}
	switch o.verify {
	case "", "restricted", "baseline":
	default:
		return 0, fmt.Errorf("--verify: unknown level %q (restricted, baseline)", o.verify)
	}
	return failOn, nil
}

// usageError reports a usage error on stderr and in the report file:
// Helm 4 hides stderr, and --post-renderer-args typos are common.
func usageError(stderr io.Writer, reportFile string, err error) int {
	msg := fmt.Sprintf("chartsec-harden: error: %v\n", err)
	fmt.Fprint(stderr, msg)
	if reportFile != "" {
		if werr := os.WriteFile(reportFile, []byte(msg), 0o644); werr != nil {
			fmt.Fprintf(stderr, "chartsec-harden: error: writing the report file: %v\n", werr)
		}
	}
	return exitError
}

func mode(o options) string {
	switch {
	case o.check:
		return "check"
	case o.verify != "":
		return "verify"
	}
	return "transform"
}

// execute runs the mode. What it returns for stdout is written only when
// there is no error and no failing finding: the findings at or above
// --fail-on of a --check, or of a --verify's evaluation.
func execute(fs *pflag.FlagSet, o options, failOn report.Severity, stdin io.Reader, rep *report.Report) (harden.Output, []report.Finding, error) {
	cfg, err := loadConfig(fs, o)
	if err != nil {
		return nil, nil, err
	}
	in, err := readAll(stdin)
	if err != nil {
		return nil, nil, fmt.Errorf("reading stdin: %w", err)
	}
	return harden.Execute(in, cfg, harden.Mode{Check: o.check, Verify: o.verify, FailOn: failOn, Diff: o.diff}, rep)
}

// verdict is the one line that ends a failing --check or --verify: what
// failed, and that nothing was written to stdout. Empty when nothing
// failed.
func verdict(o options, failOn report.Severity, failing []report.Finding) string {
	if len(failing) == 0 {
		return ""
	}
	bySeverity := map[report.Severity]int{}
	objects := map[report.Object]bool{}
	workloads := true
	for _, f := range failing {
		bySeverity[f.Severity]++
		objects[f.Object] = true
		workloads = workloads && f.Control == "podSecurityStandards"
	}
	var counts []string
	for _, s := range []report.Severity{report.Error, report.Warning, report.Info} {
		if n := bySeverity[s]; n > 0 {
			counts = append(counts, plural(n, s.String()))
		}
	}
	noun := "object"
	if workloads {
		noun = "workload"
	}
	what := "--check"
	if o.verify != "" {
		what = "--verify " + o.verify
	}
	return fmt.Sprintf("chartsec-harden: FAILED %s: %s in %s (--fail-on %s); nothing was written to stdout",
		what, strings.Join(counts, " and "), plural(len(objects), noun), failOn)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeReport writes the report to stderr, and to --report-file when set
// (Helm 4 shows nothing of a post-renderer's stderr). A text error line
// always reaches stderr; the JSON and SARIF reports carry it too. The
// verdict of a failing gate ends the text report; the JSON and SARIF
// reports carry it, and stderr gets it as its last line when they go to
// the report file.
func writeReport(o options, rep *report.Report, runErr error, verdict string, stderr io.Writer) error {
	var buf bytes.Buffer
	var err error
	if o.reportFormat == "json" {
		rep.FillHints(transform.RuleHelp)
	}
	run := report.Run{ToolVersion: version, Mode: mode(o), Err: runErr, Verdict: verdict}
	switch o.reportFormat {
	case "json":
		err = rep.WriteJSON(&buf, run)
	case "sarif":
		err = rep.WriteSARIF(&buf, run, transform.RuleText)
	case "text":
		err = rep.WriteText(&buf)
	default:
		if !o.quiet {
			err = rep.WriteSummary(&buf)
			if err == nil && !o.check && runErr == nil {
				err = rep.WriteTotal(&buf)
			}
		}
	}
	if err != nil {
		return err
	}
	structured := o.reportFormat == "json" || o.reportFormat == "sarif"
	if !structured {
		if runErr != nil {
			fmt.Fprintf(&buf, "chartsec-harden: error: %v\n", runErr)
		}
		if verdict != "" {
			fmt.Fprintln(&buf, verdict)
		}
	}
	if o.reportFile != "" {
		if err := os.WriteFile(o.reportFile, buf.Bytes(), 0o644); err != nil {
			// The report, and the input's error above all, still reach stderr.
			_, _ = stderr.Write(buf.Bytes())
			if structured && runErr != nil {
				fmt.Fprintf(stderr, "chartsec-harden: error: %v\n", runErr)
			}
			return err
		}
		if structured {
			if runErr != nil {
				fmt.Fprintf(stderr, "chartsec-harden: error: %v\n", runErr)
			}
			if verdict != "" {
				fmt.Fprintln(stderr, verdict)
			}
			return nil
		}
	}
	_, err = stderr.Write(buf.Bytes())
	return err
}

// reportFileArg finds the report file when the flags themselves did not
// parse: --report-file PATH or --report-file=PATH wherever it stands
// (the last one wins, as when the flags parse), else CHARTSEC_REPORT_FILE.
func reportFileArg(args []string) string {
	path := os.Getenv("CHARTSEC_REPORT_FILE")
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--report-file="); ok {
			path = v
		} else if a == "--report-file" && i+1 < len(args) {
			path = args[i+1]
			i++
		}
	}
	return path
}

// readAll reads stdin; a regular file (helm template > f; tool < f) is read
// in one allocation of its size, not grown by doubling.
func readAll(r io.Reader) ([]byte, error) {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
			buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
			_, err := buf.ReadFrom(f)
			return buf.Bytes(), err
		}
	}
	return io.ReadAll(r)
}

// loadConfig reads the config file over the defaults, then the flags the
// user set over that.
func loadConfig(fs *pflag.FlagSet, o options) (transform.Config, error) {
	cfg := transform.DefaultConfig()
	if o.configFile != "" {
		f, err := os.Open(o.configFile)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		if cfg, err = transform.LoadConfig(f); err != nil {
			return cfg, fmt.Errorf("config %s: %w", o.configFile, err)
		}
	}
	for _, d := range o.disable {
		if d = strings.TrimSpace(d); d != "" {
			cfg.Disable = append(cfg.Disable, d)
		}
	}
	if fs.Changed("run-as-user") {
		cfg.PodSecurity.RunAsUser = o.runAsUser
	}
	if fs.Changed("run-as-group") {
		cfg.PodSecurity.RunAsGroup = o.runAsGroup
	}
	if fs.Changed("fs-group") {
		cfg.PodSecurity.FSGroup = o.fsGroup
	}
	if fs.Changed("pull-policy") {
		cfg.Images.PullPolicy = o.pullPolicy
	}
	cfg.Images.PullSecrets = append(cfg.Images.PullSecrets, o.pullSecrets...)
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("flags: %w", err)
	}
	return cfg, nil
}
