import ArgumentParser
import PoolReader
import ThinPool
#if canImport(Glibc)
import Glibc
#endif

/// `thinpool-exporter bench`: times the exporter's own reads in-process, for the benchmark
/// scripts (scripts/bench-vm.sh) that compare them with dmsetup and a C program. Hidden.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time in-process reads (for the benchmark scripts).", shouldDisplay: false)

    @Argument(help: "pool: re-read one pool's status (the alert path); collect: read every pool and thin volume.")
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

    @OptionGroup var source: SourceOptions
    @OptionGroup var log: LogOptions

    func run() throws {
        let logger = log.logger("bench")
        let percent = try source.minFreeSpacePercent()
        let reader = PoolReader(client: source.client(logger: logger),
                                backing: source.fixtures == nil && !noLoopProbe ? SysfsLoopBacking() : NoLoopBacking(),
                                logger: logger, minFreeSpacePercent: { _ in percent }, cacheTables: !noTableCache)
        // One read first: it fills the table cache, as in a running exporter.
        let first = cold && what == "pool" ? PoolReport(pools: [try reader.read(pool: pool ?? "")], deviceCount: 1) : try reader.read()
        let clock = ContinuousClock()
        let start = clock.now
        var checksum: UInt64 = 0
        switch what {
        case "pool":
            guard let pool else { throw ValidationError("bench pool needs a pool name") }
            for _ in 0..<iterations { checksum &+= try reader.read(pool: pool).capacity?.data.usedBlocks ?? 0 }
        case "collect":
            for _ in 0..<iterations { checksum &+= UInt64(try reader.read().pools.count) }
        default:
            throw ValidationError("bench: what is 'pool' or 'collect'")
        }
        let elapsed = clock.now - start
        let (s, atto) = elapsed.components
        let micros = (Double(s) * 1e6 + Double(atto) / 1e12) / Double(iterations)
        let label = what == "pool" ? "one pool status" : "full collection\(noTableCache ? " (no table cache)" : "")"
        print("in-process \(label): \(Int(micros.rounded())) us per read (\(iterations) iterations, \(first.deviceCount) devices, checksum \(checksum))")
    }
}
