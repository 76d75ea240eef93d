import SystemIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Under ASan or TSan (scripts/test.sh runs the tests under both) malloc is the sanitizer's,
/// not glibc's: nothing glibc's malloc_trim could give back.
private let sanitizerAllocator = ["__asan_init", "__tsan_init"].contains { (name: String) in
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) != nil
}

@Suite struct HeapTests {
    /// Freed memory in the middle of the heap stays resident until it is given back: 32 MB in
    /// 16 KB chunks (below glibc's mmap threshold), freed below a chunk still in use so that
    /// no top-of-heap trim can take it. Read page by page with mincore(2), which sees only this
    /// memory whatever the other tests allocate meanwhile.
    @Test(.disabled(if: sanitizerAllocator, "a sanitizer's allocator replaces glibc's"))
    func releaseFreePagesGivesFreedMemoryBack() throws {
        let chunk = 16 * 1024
        let count = 2048
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var chunks: [UnsafeMutableRawPointer] = []
        for _ in 0..<count {
            let p = try #require(malloc(chunk))
            memset(p, 0x5a, chunk)
            chunks.append(p)
        }
        // The last chunk stays in use: the freed ones are not the top of the heap.
        defer { free(chunks[count - 1]) }
        // The pages inside the middle chunks (not their first, where malloc keeps its header).
        func residentPages() -> (resident: Int, pages: Int) {
            var resident = 0
            var pages = 0
            for p in chunks[(count / 4)..<(3 * count / 4)] {
                let start = (Int(bitPattern: p) + page) & ~(page - 1)
                let end = (Int(bitPattern: p) + chunk) & ~(page - 1)
                guard end > start else { continue }
                var vec = [UInt8](repeating: 0, count: (end - start) / page)
                guard mincore(UnsafeMutableRawPointer(bitPattern: start), end - start, &vec) == 0 else { continue }
                resident += vec.filter { $0 & 1 == 1 }.count
                pages += vec.count
            }
            return (resident, pages)
        }
        let touched = residentPages()
        #expect(touched.pages > 0 && touched.resident == touched.pages, "written, so resident: \(touched)")
        for p in chunks.dropLast() { free(p) }
        let freed = residentPages()
        #expect(freed.resident > freed.pages / 2, "free() alone keeps the middle of the heap: \(freed)")
        Heap.releaseFreePages()
        let released = residentPages()
        #expect(released.resident < released.pages / 10, "given back: \(released)")
    }
}
