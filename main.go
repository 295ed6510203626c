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
	"strings"

	"github.com/chartsec/chartsec-harden/harden"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
	"github.com/spf13/pflag"
)

var version = "development"

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type options struct {
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
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("chartsec-harden", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
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
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: chartsec-harden [flags] < rendered.yaml > hardened.yaml\n\n"+
			"Hardens the Kubernetes manifests Helm renders. Use it as\n"+
			"  helm install|upgrade|template ... --post-renderer chartsec-harden\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		return exitError
	}
	if o.printVersion {
		fmt.Fprintln(stdout, "chartsec-harden", version)
		return exitOK
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chartsec-harden: unexpected argument %q: manifests are read from stdin\n", fs.Arg(0))
		return exitError
	}
	var log bytes.Buffer // what goes to stderr, and to the report file
	code := harden1(fs, o, stdin, stdout, &log)
	stderr.Write(log.Bytes())
	if o.reportFile != "" {
		if err := os.WriteFile(o.reportFile, log.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "chartsec-harden: error: writing the report file: %v\n", err)
			if code == exitOK {
				code = exitError
			}
		}
	}
	return code
}

func harden1(fs *pflag.FlagSet, o options, stdin io.Reader, stdout, log io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(log, "chartsec-harden: error: %v\n", err)
		return exitError
	}
	cfg, err := loadConfig(fs, o)
	if err != nil {
		return fail(err)
	}
	in, err := io.ReadAll(stdin)
	if err != nil {
		return fail(fmt.Errorf("reading stdin: %w", err))
	}
	rep := &report.Report{}
	out, err := harden.Run(in, cfg, rep)
	if err != nil {
		return fail(err)
	}
	if !o.quiet {
		rep.WriteSummary(log)
	}
	if _, err := stdout.Write(out); err != nil {
		return fail(fmt.Errorf("writing stdout: %w", err))
	}
	return exitOK
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
