package diff

import (
	"bytes"
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
	b := "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\nl\n"
	var out bytes.Buffer
	if err := Unified(&out, []byte(a), []byte(b), 1, 1); err != nil {
		t.Fatal(err)
	}
	want := "@@ -2,10 +2,11 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n i\n j\n k\n+l\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	if err := Unified(&out, []byte(a), []byte(a), 1, 1); err != nil || out.Len() != 0 {
		t.Errorf("equal texts: %q, %v", out.String(), err)
	}
	out.Reset()
	if err := Unified(&out, nil, []byte("x\ny"), 0, 7); err != nil {
		t.Fatal(err)
	}
	if want := "@@ -0,0 +7,2 @@\n+x\n+y\n\\ No newline at end of file\n"; out.String() != want {
		t.Errorf("new text: got %q, want %q", out.String(), want)
	}
}

// TestEditScriptMinimal: on random texts the script rebuilds both sides
// and uses the fewest edits a longest common subsequence allows.
func TestEditScriptMinimal(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 2000; n++ {
		a, b := randomLines(rng, rng.Intn(12)), randomLines(rng, rng.Intn(12))
		ops := editScript(a, b)
		var gotA, gotB [][]byte
		edits := 0
		for _, o := range ops {
			if o.kind != '+' {
				gotA = append(gotA, o.line)
			}
			if o.kind != '-' {
				gotB = append(gotB, o.line)
			}
			if o.kind != ' ' {
				edits++
			}
		}
		if !equalLines(gotA, a) || !equalLines(gotB, b) {
			t.Fatalf("script does not rebuild %q -> %q: %v", a, b, ops)
		}
		if want := len(a) + len(b) - 2*lcs(a, b); edits != want {
			t.Fatalf("%q -> %q: %d edits, the minimum is %d", a, b, edits, want)
		}
	}
}

// TestUnifiedPatches: applying the hunks, at the line numbers they name,
// to the first text gives the second.
func TestUnifiedPatches(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for n := 0; n < 500; n++ {
		a, b := randomLines(rng, rng.Intn(40)), randomLines(rng, rng.Intn(40))
		if rng.Intn(2) == 0 { // mostly similar texts, as hardening makes
			b = mutate(rng, a)
		}
		var out bytes.Buffer
		if err := Unified(&out, bytes.Join(a, nil), bytes.Join(b, nil), 1, 1); err != nil {
			t.Fatal(err)
		}
		got, err := applyPatch(a, out.String())
		if err != nil {
			t.Fatalf("%v\npatch:\n%s", err, out.String())
		}
		if !equalLines(got, b) {
			t.Fatalf("patched %q, want %q\npatch:\n%s", got, b, out.String())
		}
	}
}

// TestUnifiedLargeRewrite: past maxEdits the diff is a whole replacement,
// still a correct one.
func TestUnifiedLargeRewrite(t *testing.T) {
	var a, b [][]byte
	for i := range 3 * maxEdits {
		a = append(a, []byte(fmt.Sprintf("a%d\n", i)))
		b = append(b, []byte(fmt.Sprintf("b%d\n", i)))
	}
	var out bytes.Buffer
	if err := Unified(&out, bytes.Join(a, nil), bytes.Join(b, nil), 1, 1); err != nil {
		t.Fatal(err)
	}
	got, err := applyPatch(a, out.String())
	if err != nil || !equalLines(got, b) {
		t.Fatalf("large rewrite does not patch: %v", err)
	}
}

func randomLines(rng *rand.Rand, n int) [][]byte {
	lines := make([][]byte, n)
	for i := range lines {
		lines[i] = []byte(string(rune('a'+rng.Intn(4))) + "\n")
	}
	return lines
}

func mutate(rng *rand.Rand, a [][]byte) [][]byte {
	var b [][]byte
	for _, l := range a {
		switch rng.Intn(8) {
		case 0: // removed
		case 1:
			b = append(b, []byte("new\n"), l)
		default:
			b = append(b, l)
		}
	}
	return b
}

func equalLines(a, b [][]byte) bool {
	return bytes.Equal(bytes.Join(a, nil), bytes.Join(b, nil))
}

func lcs(a, b [][]byte) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if bytes.Equal(a[i], b[j]) {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// applyPatch applies unified hunks to a (first line numbered 1), checking
// that every context and removed line is where the hunk says.
func applyPatch(a [][]byte, patch string) ([][]byte, error) {
	var out [][]byte
	next := 0 // index in a of the first line not yet copied
	lines := strings.SplitAfter(patch, "\n")
	for i := 0; i < len(lines) && lines[i] != ""; {
		m := hunkHeader.FindStringSubmatch(strings.TrimSuffix(lines[i], "\n"))
		if m == nil {
			return nil, fmt.Errorf("line %d: not a hunk header: %q", i+1, lines[i])
		}
		start, _ := strconv.Atoi(m[1])
		count := 1
		if m[2] != "" {
			count, _ = strconv.Atoi(m[2])
		}
		from := start - 1
		if count == 0 {
			from = start
		}
		if from < next {
			return nil, fmt.Errorf("hunk %q overlaps the one before", lines[i])
		}
		out = append(out, a[next:from]...)
		next = from
		i++
		for ; i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "@@"); i++ {
			l := lines[i]
			if strings.HasPrefix(l, `\`) {
				continue
			}
			body := l[1:]
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], `\`) {
				body = strings.TrimSuffix(body, "\n")
			}
			switch l[0] {
			case ' ', '-':
				if next >= len(a) || string(a[next]) != body {
					return nil, fmt.Errorf("line %d of a is not %q", next+1, body)
				}
				if l[0] == ' ' {
					out = append(out, a[next])
				}
				next++
			case '+':
				out = append(out, []byte(body))
			}
		}
	}
	return append(out, a[next:]...), nil
}
