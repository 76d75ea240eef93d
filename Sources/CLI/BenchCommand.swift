import ArgumentParser
import DeviceMapper
import Reader
import ThinPoolCore
import Workloads

#if canImport(Glibc)
    import Glibc
#endif

/// `thinpool-exporter bench`: times the exporter's own reads in-process, for the benchmark
/// scripts (scripts/bench-vm.sh) that compare them with dmsetup and a C program. Hidden.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time in-process reads (for the benchmark scripts).", shouldDisplay: false)

    @Argument(
        help:
            "pool: re-read one pool's status (the alert path); pool-status: the client's STATUS and parse of it alone, without the reader; collect: read every pool and thin volume; wait-event: block until POOL's event number passes --after, then print the time."
    )
    var what: String

    @Argument(help: "The pool, for `pool`.")
    var pool: String?

    @Option(help: "How many reads to time.")
    var iterations = 100

    @Flag(help: "Read every table at every collection (what the cache saves).")
    var noTableCache = false

    @Flag(help: "Skip the loop-file probe (what it costs).")
    var noLoopProbe = false

    @Flag(help: "For `pool`: do not read every device first (no cache of the other devices).")
    var cold = false

    @Option(help: "For `wait-event`: the event number to wait past.")
    var after: UInt32 = 0

    @OptionGroup var source: SourceOptions
    @OptionGroup var workloads: WorkloadOptions
    @OptionGroup var log: LogOptions

    func run() throws {
        if what == "arm-poll" {
            // Prints each DM_DEV_ARM_POLL wake (which operations raise dm's global event).
            let watcher = try KernelEventWatcher()
            for _ in 0..<iterations {
                try watcher.arm()
                if watcher.wait(timeout: .seconds(30)) == .event {
                    var ts = timespec()
                    clock_gettime(CLOCK_REALTIME, &ts)
                    var line = "wake \(ts.tv_sec).\(ts.tv_nsec / 1_000_000)\n"
                    line.withUTF8 { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                }
            }
            return
        }
        if what == "wait-event" {
            // The kernel's event, timed on the same clock as the agent's logs (CLOCK_REALTIME).
            guard let pool else { throw ValidationError("bench wait-event needs a pool name") }
            let next = try KernelDeviceMapper().waitEvent(pool, after: after)
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            print("event_unix_ns=\(Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)) event_nr=\(next)")
            return
        }
        let logger = log.logger("bench")
        let percent = try source.minFreeSpacePercent()
        let reader = PoolReader(
            client: source.client(logger: logger),
            backing: source.fixtures == nil && !noLoopProbe ? SysfsLoopBacking() : NoLoopBacking(),
            logger: logger, minFreeSpacePercent: { _, _ in percent },
            annotator: workloads.sources(fixtures: source.fixtures, logger: logger), cacheTables: !noTableCache)
        // One read first: it fills the table cache, as in a running exporter.
        let clock = ContinuousClock()
        let firstStart = clock.now
        let first = cold && what == "pool" ? HostReading(pools: [try reader.read(pool: pool ?? "")], deviceCount: 1) : try reader.read()
        let firstElapsed = clock.now - firstStart
        let start = clock.now
        var checksum: UInt64 = 0
        switch what {
        case "pool":
            guard let pool else { throw ValidationError("bench pool needs a pool name") }
            for _ in 0..<iterations { checksum &+= try reader.read(pool: pool).capacity?.data.usedBlocks ?? 0 }
        case "pool-status":
            guard let pool else { throw ValidationError("bench pool-status needs a pool name") }
            let client = reader.client
            for _ in 0..<iterations { checksum &+= try client.poolStatus(pool).pool?.status.working?.usedData.rawValue ?? 0 }
        case "collect":
            for _ in 0..<iterations { checksum &+= UInt64(try reader.read().pools.count) }
        default:
            throw ValidationError("bench: what is 'pool', 'pool-status' or 'collect'")
        }
        let elapsed = clock.now - start
        let (s, atto) = elapsed.components
        let micros = (Double(s) * 1e6 + Double(atto) / 1e12) / Double(iterations)
        let label =
            switch what {
            case "pool": "one pool status\(noLoopProbe ? " (no loop probe)" : "")"
            case "pool-status": "client STATUS alone"
            default: "full collection\(noTableCache ? " (no table cache)" : "")"
            }
        print(
            "in-process \(label): \(Int(micros.rounded())) us per read (\(iterations) iterations, \(first.deviceCount) devices, checksum \(checksum)); "
                + "first read \(Int((firstElapsed.seconds * 1e6).rounded())) us")
    }
}
