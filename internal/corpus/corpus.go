// Package corpus finds the real chart renders the tests run over
// (../shared/corpus beside the repository, or $CHARTSEC_CORPUS), from
// the directory of a package one level below the root.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Files lists the corpus renders. Without a corpus the test is skipped,
// or fails when CI=true: CI must run the corpus tests.
func Files(t testing.TB) []string {
	t.Helper()
	dir := os.Getenv("CHARTSEC_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus") // from a package directory
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no corpus at %s: CI must run the corpus tests", dir)
		}
		t.Skipf("no corpus at %s", dir)
	}
	return files
}
