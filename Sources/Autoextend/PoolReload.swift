import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reloads a pool's table with a new length (or the same one, for metadata) and makes it live:
/// load the inactive table, then one DM_DEV_SUSPEND without the suspend flag -- the kernel
/// suspends, swaps the table and resumes in that one ioctl. No explicit suspend: were this
/// process killed between a suspend and its resume, the pool would stay SUSPENDED and stall
/// every container on it. Killed before the resume, the pool runs on with its old table (the
/// loaded inactive one is harmless; the next attempt replaces it).
func reloadAndResume(_ dm: any DeviceMapperClient, pool: ThinPool, lengthSectors: UInt64) throws(ExtendError) {
    do {
        try dm.reload(pool.name, targets: [Target(start: 0, length: lengthSectors, type: "thin-pool", params: pool.table.description)])
    } catch {
        throw .deviceMapper(error)
    }
    var lastError: DeviceMapperError?
    for attempt in 0..<3 {
        if attempt > 0 { usleep(100_000) }  // a resume racing another holder's: try again shortly
        do {
            try dm.resume(pool.name)
            return
        } catch {
            lastError = error
        }
    }
    // The kernel leaves a device suspended when the swapped-in table fails its preresume (a
    // pool whose data device is smaller than the new length): put the old table back.
    var restored = false
    if (try? dm.info(pool.name))?.suspended == true {
        let old = [Target(start: 0, length: pool.length.rawValue, type: "thin-pool", params: pool.table.description)]
        restored = (try? dm.reload(pool.name, targets: old)) != nil && (try? dm.resume(pool.name)) != nil
    }
    let after: ExtendError.Restoration =
        (try? dm.info(pool.name))?.suspended == true
        ? .stillSuspended : (restored ? .oldTableRestored : .oldSizeRunning)
    throw .notLive(pool: pool.name, after: after, cause: lastError!)
}
