// Package diff shows what chartsec-harden changes: a unified diff per
// changed or added document of a stream, with line numbers of the input
// and of the hardened output, the way helm-diff users read changes.
package diff

import (
	"bytes"
	"fmt"
	"io"
)

// maxEdits bounds the edit distance the line diff searches for (time and
// memory grow with its square); past it a changed region is shown as
// removed and added whole, which is still a correct diff.
const maxEdits = 2000

// context is the number of unchanged lines shown around a change.
const context = 3

// op is one line of an edit script.
type op struct {
	kind byte // ' ', '-' or '+'
	line []byte
}

// splitLines cuts text into lines that keep their "\n" (the last one may
// have none).
func splitLines(text []byte) [][]byte {
	var lines [][]byte
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i+1])
		text = text[i+1:]
	}
	return lines
}

// editScript returns the lines of a and b as kept, removed and added,
// with the fewest removals and additions (Myers' algorithm), or the
// middle replaced whole when more than maxEdits are needed.
func editScript(a, b [][]byte) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && bytes.Equal(a[pre], b[pre]) {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && bytes.Equal(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	ops := make([]op, 0, len(a)+len(b))
	for _, l := range a[:pre] {
		ops = append(ops, op{' ', l})
	}
	ops = append(ops, middle(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, op{' ', l})
	}
	return ops
}

// middle is Myers' O((N+M)D) greedy diff with the furthest-reaching paths
// of every step kept for the walk back.
func middle(a, b [][]byte) []op {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replace(a, b)
	}
	maxD := min(n+m, maxEdits)
	offset := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		// Keep only v[-d..d] of this step: memory grows with d², not d·(n+m).
		snap := make([]int, 2*d+1)
		copy(snap, v[offset-d:offset+d+1])
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
				x = v[offset+k+1]
			} else {
				x = v[offset+k-1] + 1
			}
			y := x - k
			for x < n && y < m && bytes.Equal(a[x], b[y]) {
				x++
				y++
			}
			v[offset+k] = x
			if x >= n && y >= m {
				return walkBack(a, b, trace, k, d)
			}
		}
	}
	return replace(a, b)
}

// walkBack turns the kept paths into the edit script, from the end at
// diagonal k after d edits.
func walkBack(a, b [][]byte, trace [][]int, k, d int) []op {
	x, y := len(a), len(b)
	var rev []op
	for ; d > 0; d-- {
		prev := trace[d] // the paths after d-1 edits, diagonals -d..d
		at := func(k int) int { return prev[k+d] }
		pk := k - 1 // came from the left: a line of a removed
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1 // came from above: a line of b added
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py { // the run of equal lines after the edit
			x--
			y--
			rev = append(rev, op{' ', a[x]})
		}
		if pk == k+1 {
			rev = append(rev, op{'+', b[py]})
		} else {
			rev = append(rev, op{'-', a[px]})
		}
		x, y, k = px, py, pk
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, op{' ', a[x]})
	}
	ops := make([]op, len(rev))
	for i, o := range rev {
		ops[len(rev)-1-i] = o
	}
	return ops
}

func replace(a, b [][]byte) []op {
	ops := make([]op, 0, len(a)+len(b))
	for _, l := range a {
		ops = append(ops, op{'-', l})
	}
	for _, l := range b {
		ops = append(ops, op{'+', l})
	}
	return ops
}

// Unified writes the hunks that turn a into b, with a's first line
// numbered aStart and b's bStart (0 for an empty side, as for a new
// file). It writes nothing when a and b are equal.
func Unified(w io.Writer, a, b []byte, aStart, bStart int) error {
	ops := editScript(splitLines(a), splitLines(b))
	for i := 0; i < len(ops); {
		// Find the next change, and the hunk around it: changes closer
		// than 2*context unchanged lines share one hunk.
		first := i
		for first < len(ops) && ops[first].kind == ' ' {
			first++
		}
		if first == len(ops) {
			return nil
		}
		start := max(first-context, i)
		end := first
		for j := first; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j + 1
			} else if j-end >= 2*context {
				break
			}
		}
		end = min(end+context, len(ops))
		aLine, bLine := lineAt(ops[:start], aStart, bStart)
		aCount, bCount := 0, 0
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				aCount++
			}
			if o.kind != '-' {
				bCount++
			}
		}
		if _, err := fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(aLine, aCount), hunkRange(bLine, bCount)); err != nil {
			return err
		}
		for _, o := range ops[start:end] {
			if err := writeLine(w, o); err != nil {
				return err
			}
		}
		i = end
	}
	return nil
}

// lineAt numbers the first line after ops on each side.
func lineAt(ops []op, aStart, bStart int) (int, int) {
	a, b := aStart, bStart
	for _, o := range ops {
		if o.kind != '+' {
			a++
		}
		if o.kind != '-' {
			b++
		}
	}
	return a, b
}

// hunkRange is "start,count"; an empty range names the line before it, as
// diff -u does.
func hunkRange(start, count int) string {
	if count == 0 {
		return fmt.Sprintf("%d,0", max(start-1, 0))
	}
	if count == 1 {
		return fmt.Sprintf("%d", start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}

func writeLine(w io.Writer, o op) error {
	if _, err := w.Write([]byte{o.kind}); err != nil {
		return err
	}
	if _, err := w.Write(o.line); err != nil {
		return err
	}
	if !bytes.HasSuffix(o.line, []byte("\n")) {
		_, err := io.WriteString(w, "\n\\ No newline at end of file\n")
		return err
	}
	return nil
}
