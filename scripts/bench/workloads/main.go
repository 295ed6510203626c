// Command workloads writes a synthetic rendered stream of N workloads of
// a shape (see internal/synth) to stdout, for scripts/bench.sh.
//
//	go run ./scripts/bench/workloads SHAPE N
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/chartsec/chartsec-harden/internal/synth"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintf(os.Stderr, "usage: workloads SHAPE N (shapes: %v)\n", synth.Shapes)
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "N: %q is not a count\n", os.Args[2])
		os.Exit(2)
	}
	out, err := synth.Stream(os.Args[1], n)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := os.Stdout.Write(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
