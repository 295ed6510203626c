package hugeheap

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"
)

const hugePage = 2 << 20

// Reserve prepares the heap to grow by about growth() bytes into huge
// pages. It does nothing unless Enable was called, the kernel offers huge
// pages only on request, the user has not set GODEBUG=disablethp=1 (the
// runtime's own switch against them), and the growth is at least
// MinGrowth; growth is asked for only once the rest holds, so a run that
// cannot use huge pages pays nothing for the guess. It never commits
// memory the system may refuse: not under strict overcommit accounting,
// nor under a limit on the address space (ulimit -v), and never more than
// a quarter of the machine's memory. It acts once per process: a later
// reservation could be served from memory the heap already used, which
// the runtime would clear page by page.
func Reserve(growth func() int) {
	if !enabled.Load() || reserved.Load() || !OnRequest() || strictOvercommit() || disabled(os.Getenv("GODEBUG")) || addressSpaceLimited() {
		return
	}
	n := growth()
	var info syscall.Sysinfo_t
	if n < MinGrowth || syscall.Sysinfo(&info) != nil {
		return
	}
	n = min(n, MaxReserve)
	if quarter := uint64(info.Totalram) * uint64(info.Unit) / 4; quarter < uint64(n) {
		n = int(quarter)
	}
	if !reserved.CompareAndSwap(false, true) {
		return
	}
	b := make([]byte, n) // fresh from the system: mapped, not yet touched
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	beg := (start + hugePage - 1) &^ (hugePage - 1)
	end := (start + uintptr(n)) &^ (hugePage - 1)
	if beg < end {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, beg, end-beg, syscall.MADV_HUGEPAGE) // advice: a failure costs only speed
	}
	runtime.KeepAlive(b)
	runtime.GC() // returns the range to the runtime's free pages, advice kept
}

// OnRequest reports whether the kernel backs memory with transparent huge
// pages only where a program asks, with madvise (with "always" it already
// does, with "never" it will not).
func OnRequest() bool {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	return err == nil && bytes.Contains(mode, []byte("[madvise]"))
}

// strictOvercommit reports whether the kernel refuses commitments it
// cannot keep at once (vm.overcommit_memory=2).
func strictOvercommit() bool {
	overcommit, err := os.ReadFile("/proc/sys/vm/overcommit_memory")
	return err != nil || strings.TrimSpace(string(overcommit)) == "2"
}

// addressSpaceLimited reports whether the process may map only so much:
// the runtime ends the program when a mapping is refused.
func addressSpaceLimited() bool {
	var lim syscall.Rlimit
	return syscall.Getrlimit(syscall.RLIMIT_AS, &lim) != nil || lim.Cur != ^uint64(0) // RLIM_INFINITY
}

// disabled reports whether a GODEBUG value sets disablethp=1 (the last
// setting of a key wins, as in the runtime).
func disabled(godebug string) bool {
	off := false
	for s := range strings.SplitSeq(godebug, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(s), "disablethp="); ok {
			off = v == "1"
		}
	}
	return off
}
