// Package golden holds the -update flag shared by every test package, so
// that `go test ./... -update` rewrites all golden files at once.
package golden

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

// Update is set by -update: golden files are rewritten, not compared.
var Update = flag.Bool("update", false, "rewrite golden files")

// Check compares got with the file at path, or rewrites the file with -update.
func Check(t *testing.T, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./... -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test ./... -update and review git diff):\n%s", path, lineDiff(want, got))
	}
}

// lineDiff shows the first lines where want and got part.
func lineDiff(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	var out bytes.Buffer
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b []byte
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if !bytes.Equal(a, b) {
			out.WriteString("line " + itoa(i+1) + ":\n  want: " + string(a) + "\n  got:  " + string(b) + "\n")
			if shown++; shown == 10 {
				break
			}
		}
	}
	return out.String()
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		if i /= 10; i == 0 {
			break
		}
	}
	return string(b[n:])
}
