// Command firsttouch measures what fresh memory costs on the machine
// scripts/bench.sh runs on: it writes one byte in every 4 KiB page of a
// new 256 MiB slice, then does it again. The first pass is what a run
// pays for each page its heap grows into; on some virtual machines it is
// most of a run over many workloads, and of the round trip too. Where
// Linux gives transparent huge pages on request, it then does the same
// over 256 MiB advised to be huge pages (internal/hugeheap), as
// chartsec-harden's heap is when a run will need a large one.
package main

import (
	"fmt"
	"time"
)

const size, page = 256 << 20, 4096

// touch writes v in every page of b, and says how long that took.
func touch(b []byte, v byte) time.Duration {
	start := time.Now()
	for i := 0; i < len(b); i += page {
		b[i] = v
	}
	return time.Since(start)
}

func main() {
	b := make([]byte, size)
	first, again := touch(b, 1), touch(b, 2)
	fmt.Printf("fresh memory: %.0f ms for 256 MiB (%.1f µs a 4 KiB page); the same pages again: %.1f ms\n",
		ms(first), float64(first.Nanoseconds())/1000/(size/page), ms(again))
	if huge, ok := hugeFirstTouch(); ok {
		fmt.Printf("fresh memory in 2 MiB huge pages: %.0f ms for 256 MiB\n", ms(huge))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
