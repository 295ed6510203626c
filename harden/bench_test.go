package harden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/corpus"
	"github.com/chartsec/chartsec-harden/internal/synth"
	"github.com/chartsec/chartsec-harden/transform"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// corpusStream concatenates the corpus renders, repeated n times.
func corpusStream(b testing.TB, n int) []byte {
	var buf bytes.Buffer
	for range n {
		for _, f := range corpus.Files(b) {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			buf.Write(data)
			if !bytes.HasSuffix(data, []byte("\n")) {
				buf.WriteByte('\n')
			}
		}
	}
	return buf.Bytes()
}

// BenchmarkRun hardens each corpus file, the whole corpus as one stream,
// and the corpus four times over (cost must grow linearly).
func BenchmarkRun(b *testing.B) {
	cfg := transform.DefaultConfig()
	inputs := map[string][]byte{"corpus-x1": corpusStream(b, 1), "corpus-x4": corpusStream(b, 4)}
	for _, f := range corpus.Files(b) {
		data, _ := os.ReadFile(f)
		inputs[strings.TrimSuffix(filepath.Base(f), ".yaml")] = data
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(in, cfg, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKyamlRoundTrip is the yardstick: a bare kyaml ByteReader to
// ByteWriter pipeline over the same whole-corpus stream.
func BenchmarkKyamlRoundTrip(b *testing.B) {
	in := corpusStream(b, 1)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		roundTrip(b, in)
	}
}

// BenchmarkWorkloads hardens synthetic streams of many workloads, each
// shape at 250 and 1000 workloads: the time per workload must not grow
// with their number (scripts/bench.sh compares 1000 and 4000 too).
func BenchmarkWorkloads(b *testing.B) {
	cfg := transform.DefaultConfig()
	for _, shape := range synth.Shapes {
		for _, n := range []int{250, 1000} {
			in, err := synth.Stream(shape, n)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s-%d", shape, n), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Run(in, cfg, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/workload")
			})
			b.Run(fmt.Sprintf("%s-%d-kyaml", shape, n), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					roundTrip(b, in)
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/workload")
			})
		}
	}
}

// roundTrip is the yardstick: a bare kyaml ByteReader to ByteWriter
// pipeline.
func roundTrip(b *testing.B, in []byte) {
	var out bytes.Buffer
	err := kio.Pipeline{
		Inputs:  []kio.Reader{&kio.ByteReader{Reader: bytes.NewReader(in)}},
		Outputs: []kio.Writer{&kio.ByteWriter{Writer: &out}},
	}.Execute()
	if err != nil {
		b.Fatal(err)
	}
}
