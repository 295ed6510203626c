// Package hugeheap lets a run that is about to need a large heap have it
// backed by transparent huge pages, where Linux offers them on request
// (transparent_hugepage=madvise, the default of most distributions).
//
// Each 4 KiB page a heap grows into costs a page fault the first time it
// is written. On bare metal that is well under a microsecond; on the
// virtual machines CI and this project's benchmarks run on it was
// measured at 13 to 18 µs, most of a run over thousands of workloads
// (scripts/bench/firsttouch). One 2 MiB huge page is one fault.
//
// Go's runtime does not ask for huge pages for its heap. Reserve does it
// for the part the heap is about to grow into: it allocates that much
// (the runtime maps it, untouched), advises the kernel to back it with
// huge pages, and frees it with a collection, so that the objects
// allocated next fill that advised range.
package hugeheap

import "sync/atomic"

// MinGrowth is the least growth worth huge pages. Below it a run saves
// little time, and a heap in 2 MiB pages may count a few MiB more of
// resident memory, which matters more to a small run.
const MinGrowth = 128 << 20

// MaxReserve bounds one reservation, a share of the address space the
// runtime tracks page by page.
const MaxReserve = 1 << 30

// enabled is set by Enable; reserved once Reserve has acted.
var enabled, reserved atomic.Bool

// Enable lets Reserve act; a program calls it for its own process (a
// library's caller should not find its heap advised).
func Enable() { enabled.Store(true) }
