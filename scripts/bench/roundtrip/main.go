// Command roundtrip is the yardstick of scripts/bench.sh: a bare kyaml
// ByteReader -> ByteWriter pipeline, stdin to stdout, doing nothing else.
// It is for comparison only.
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

func main() {
	err := kio.Pipeline{
		Inputs:  []kio.Reader{&kio.ByteReader{Reader: os.Stdin}},
		Outputs: []kio.Writer{&kio.ByteWriter{Writer: os.Stdout}},
	}.Execute()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
