#if canImport(Glibc)
    import Glibc
#endif

/// glibc's allocator, tuned for a long-lived daemon whose collections allocate in bursts.
/// Neither call is in Swift's Glibc module (malloc.h is not part of it): both are looked up as
/// libc exports them, and do nothing where it does not (another C library).
public enum Heap {
    /// At most `count` malloc arenas instead of one per thread that allocates: threads that
    /// take turns collecting 10,000 volumes would each keep an arena the size of a collection.
    public static func limitArenas(_ count: Int32) {
        // M_ARENA_MAX is -8 in malloc.h.
        guard let f = symbol("mallopt") else { return }
        _ = unsafeBitCast(f, to: (@convention(c) (Int32, Int32) -> Int32).self)(-8, count)
    }

    /// Gives the pages of freed memory back to the kernel (malloc_trim(0): every arena, free
    /// chunks in the middle of a heap too, not only its top).
    public static func releaseFreePages() {
        guard let f = symbol("malloc_trim") else { return }
        _ = unsafeBitCast(f, to: (@convention(c) (Int) -> Int32).self)(0)
    }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        #if canImport(Glibc)
            return dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
        #else
            return nil
        #endif
    }
}
