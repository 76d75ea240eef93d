import ArgumentParser
import Autoextend
import ConfigFiles
import DeviceMapper
import Reader
import ThinPoolCore
import Workloads

/// `thinpool-exporter extend POOL [--data SIZE|PCT] [--metadata SIZE|PCT] [--dry-run]`: the
/// executors and checks autoextend uses, run once by hand.
struct ExtendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Grow a pool's data or metadata now, with autoextend's executors and safety checks.",
        discussion: """
            The executor is chosen from what backs the pool (LVM, loop files, a grown device) \
            unless --executor says. The maximum size and headroom come from --config.file's \
            autoextend policy for the pool (defaults otherwise). Refused when the pool is in \
            Fail or needs_check, when what backs it cannot be told, past the maximum size, or \
            when the backing filesystem or volume group would keep less than the headroom. \
            Exit status: 0 extended (or, with --dry-run, would extend); 1 refused or failed.
            """
    )

    @Argument(help: "The pool's device-mapper name.")
    var pool: String

    @Option(
        help: ArgumentHelp(
            "Grow the data space by SIZE (e.g. 10GiB) or PCT of its size (e.g. 20%); 'auto' to use the policy.", valueName: "SIZE|PCT"))
    var data: String?

    @Option(help: ArgumentHelp("Grow the metadata space by SIZE or PCT.", valueName: "SIZE|PCT"))
    var metadata: String?

    @Flag(help: "Say what would be done; change nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("auto, loop, lvm or dm-reload.", valueName: "EXECUTOR"))
    var executor: String?

    @Option(name: .customLong("config.file"), help: ArgumentHelp("Take the pool's autoextend policy from this file.", valueName: "FILE"))
    var configFile: String?

    @OptionGroup var workloads: WorkloadOptions
    @OptionGroup var log: LogOptions

    static func step(_ text: String) -> AutoextendPolicy.Step? {
        if text == "auto" { return .auto }
        if text.hasSuffix("%"), let v = Double(text.dropLast()), v > 0 { return .fraction(v / 100) }
        if let b = parseSize(text), b > 0 { return .bytes(b) }
        return nil
    }

    func validate() throws {
        guard data != nil || metadata != nil else { throw ValidationError("give --data and/or --metadata") }
        for (flag, v) in [("--data", data), ("--metadata", metadata)] {
            if let v, Self.step(v) == nil { throw ValidationError("\(flag): '\(v)' is not a size (10GiB), a percentage (20%) or auto") }
        }
        if let executor, AutoextendPolicy.Executor(rawValue: executor) == nil {
            throw ValidationError("--executor: '\(executor)' is not one of auto, loop, lvm, dm-reload")
        }
    }

    func run() throws {
        let logger = log.logger("thinpool.extend")
        var config = AgentConfig()
        if let configFile {
            do { config = try AgentConfig.load(path: configFile) } catch {
                printError("--config.file: \(error)")
                throw ExitCode(78)
            }
        }
        var policy = config.policy(for: pool).autoextend
        policy.enabled = true
        if let executor, let e = AutoextendPolicy.Executor(rawValue: executor) { policy.executor = e }
        let dm = KernelDeviceMapper(logger: logger)
        let agent = config
        let reader = PoolReader(
            client: dm, logger: logger,
            minFreeSpacePercent: { pool, own in
                agent.policy(for: pool).minFreeSpacePercent ?? PoolReader.dockerMinFreeSpace(pool, own)
            }, annotator: workloads.sources(fixtures: nil, logger: logger))
        let fixed = policy
        let extender = Autoextender(reader: reader, dm: dm, alerts: nil, policy: { _ in fixed }, logger: logger)
        var ok = true
        for (kind, text) in [(SpaceKind.data, data), (.metadata, metadata)] {
            guard let text, let step = Self.step(text) else { continue }
            let outcome = extender.run(pool: pool, kind: kind, override: step, dryRun: dryRun)
            switch outcome.result {
            case .extended, .dryRun, .trimmed: print(outcome.message)
            case .refused, .failed, .leftToLVM:  // (by hand the step is explicit: never left to LVM)
                printError(outcome.message)
                ok = false
            }
        }
        if !ok { throw ExitCode(1) }
    }
}
