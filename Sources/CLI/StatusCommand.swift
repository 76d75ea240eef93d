import ArgumentParser
import Reader
import ThinPoolCore
import Workloads

#if canImport(Glibc)
    import Glibc
#endif

/// `thinpool-exporter status [POOL] [--json]`: one look at every pool, in docker info's words.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every thin pool (or POOL) as `docker info` does, plus mode and watermarks.",
        discussion: """
            Exit status: 0 ok; 1 POOL does not exist or a pool could not be read; 65 a fixture \
            file is malformed; 66 a fixture file is missing; 69 the kernel has no device-mapper; \
            77 not permitted (needs root or CAP_SYS_ADMIN).
            """
    )

    @Argument(help: "Show only this pool (its device-mapper name).")
    var pool: String?

    @Flag(help: "Print JSON: {\"pools\": [...]}.")
    var json = false

    @OptionGroup var source: SourceOptions
    @OptionGroup var workloads: WorkloadOptions
    @OptionGroup var log: LogOptions

    func run() throws {
        let logger = log.logger("thinpool.status")
        let report: HostReading
        do {
            report = try source.reader(
                logger: logger, annotator: workloads.sources(fixtures: source.fixtures, logger: logger, synchronously: true)
            ).read()
        } catch {
            throw exitStatus(reporting: error)
        }
        var shown = report
        if let pool {
            shown.pools = report.pools.filter { $0.name == pool }
            if shown.pools.isEmpty {
                let names = report.pools.map(\.name)
                printError(
                    "no thin pool named '\(pool)'"
                        + (names.isEmpty ? " (there are no thin pools)" : " (pools: \(names.joined(separator: ", ")))"))
                throw ExitCode(ExitStatus.poolProblem)
            }
        }
        let text = json ? PoolJSON.report(shown).serialized(pretty: true) : StatusText.render(shown)
        print(text, terminator: "")
        let failed = shown.pools.filter { $0.error != nil }
        for p in failed { printError("pool \(p.name): \(p.error!)") }
        if !failed.isEmpty { throw ExitCode(ExitStatus.poolProblem) }
    }
}
