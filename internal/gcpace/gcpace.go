// Package gcpace runs a collection where the command knows it pays: at
// the end of the parse and at the end of the filters, when the input is
// most of the heap.
//
// Go's collector sets its next goal at twice the heap that was live at the
// last collection. A run reads its whole input first (it writes nothing
// until every document is hardened), and the first collection comes right
// after that read, when the input is nearly all the heap: the next goal is
// then about twice the input. The input lives to the end and frees
// nothing, yet the parse, the filters and the encoding grow the heap up to
// that goal, and the second collection runs there, at the largest heap of
// the run, with the garbage of every phase still in it. Collecting as each
// phase ends frees its garbage for the next phase to reuse, and moves the
// next goal past the end of the run. Measured on the 16.6 MB corpus
// (scripts/bench.sh), no slower.
//
// When the trees are most of the heap (many workloads, a small input),
// the collector runs during the phases anyway, and Settle does nothing.
package gcpace

import (
	"os"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
)

var enabled atomic.Bool

// Enable lets Settle act; a program calls it for its own process (a
// library's caller keeps its collector to itself). GOGC or GOMEMLIMIT in
// the environment keep it off: whoever set them tunes the collector.
func Enable() {
	enabled.Store(os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "")
}

// Settle, called as a phase of a run ends, collects when the input (its
// size in bytes) is more than half of the heap's objects.
func Settle(input int) {
	if !enabled.Load() {
		return
	}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 && uint64(input) > s[0].Value.Uint64()/2 {
		runtime.GC()
	}
}
