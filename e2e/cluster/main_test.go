package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The run's shared fixtures: one control plane and one chartsec-harden binary
// for every test of the package.
var (
	cp     *ControlPlane
	binary string // chartsec-harden built from this checkout
	root   string // the repository's top folder
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	var err error
	root, err = filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	work, err := os.MkdirTemp("", "chartsec-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	keep := os.Getenv("E2E_KEEP") == "1"
	defer func() {
		if keep {
			fmt.Fprintln(os.Stderr, "control plane folder kept:", work)
			return
		}
		os.RemoveAll(work)
	}()

	if err := setup(work); err != nil {
		fmt.Fprintln(os.Stderr, "cluster e2e setup:", err)
		if cp != nil {
			cp.Stop()
		}
		return 2
	}
	code := m.Run()
	cp.Stop()
	if code != 0 {
		keep = true
	}
	return code
}

func setup(work string) error {
	binary = filepath.Join(work, "chartsec-harden")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	dir := os.Getenv("CHARTSEC_CONTROLPLANE")
	if dir == "" {
		lines, err := scriptLines("scripts/install-controlplane.sh")
		if err != nil {
			return err
		}
		dir = lines[len(lines)-1]
	}
	stages, _ := filepath.Glob(filepath.Join(dir, "stages", "*.yaml"))
	own, _ := filepath.Glob(filepath.Join(root, "e2e", "cluster", "stages", "*.yaml"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	t0 := time.Now()
	var err error
	cp, err = Start(ctx, filepath.Join(dir, "bin"), append(stages, own...), filepath.Join(work, "controlplane"))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "control plane ready in %.1fs\n", time.Since(t0).Seconds())
	return nil
}

// helms returns the paths of Helm 4 and Helm 3, built once by
// scripts/install-helm.sh.
var helms = sync.OnceValues(func() ([]string, error) { return scriptLines("scripts/install-helm.sh") })

// scriptLines runs one of the repository's install scripts and returns the
// lines it prints (the paths it installed).
func scriptLines(script string) ([]string, error) {
	cmd := exec.Command(filepath.Join(root, script))
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w", script, err)
	}
	lines := strings.Fields(out.String())
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s printed nothing", script)
	}
	return lines, nil
}
