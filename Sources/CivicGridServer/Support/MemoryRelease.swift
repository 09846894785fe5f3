/// Hands memory that malloc holds free back to the operating system (glibc's `malloc_trim`, which
/// also releases whole free pages inside every thread's arena, not only at the top of the heap).
///
/// Why: under a long mixed load the server's live heap stays under 10 MB (heaptrack), yet its
/// resident memory crept up ~1.5 MB a minute — pages freed by short-lived request buffers, spread
/// over the event-loop, thread-pool and task threads' arenas, that glibc keeps. `serve` trims once a
/// minute (`PeriodicWork.memoryTrim`); a long registry import every 100,000 rows.
enum MemoryRelease {
    static func trim() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if os(Linux)
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
