import ArgumentParser
import DeviceMapper
import Foundation
import Logging
import Reader
import SystemIO
import ThinPoolCore
import Workloads

/// Where pools are read from: the kernel, or a fixture directory of saved dmsetup output.
struct SourceOptions: ParsableArguments {
    @Option(
        name: .customLong("dm.fixtures"),
        help: ArgumentHelp(
            "Read pools from DIR (files 'table', 'status' and optionally 'info': the output of "
                + "`dmsetup table`, `dmsetup status`, `dmsetup info -c`) instead of the kernel.",
            valueName: "DIR"))
    var fixtures: String?

    @Option(
        name: .customLong("min-free-space"),
        help: ArgumentHelp(
            "Docker's dm.min_free_space: the percentage of data and metadata space docker keeps free (0-99; default: the config "
                + "file's, else docker's daemon.json for docker's pool, else 10).",
            valueName: "PCT"))
    var minFreeSpace: String?

    func validate() throws {
        _ = try minFreeSpacePercent()
    }

    /// The flag's value, or docker's default when it is not given.
    func minFreeSpacePercent() throws -> UInt64 {
        guard let minFreeSpace else { return PoolCapacity.defaultMinFreeSpacePercent }
        var text = Substring(minFreeSpace)
        if text.hasSuffix("%") { text.removeLast() }
        guard let value = UInt64(text), value < 100 else {
            throw ValidationError("--min-free-space: '\(minFreeSpace)' is not a percentage from 0 to 99")
        }
        return value
    }

    /// The device-mapper client these options name.
    func client(logger: Logger) -> any DeviceMapperClient {
        if let fixtures { return FixtureDeviceMapper(directory: fixtures) }
        return LibDeviceMapper(logger: logger)
    }

    /// A reader; `percent` gives a pool's dm.min_free_space (by default the flag's value, else
    /// docker's for its pool, else 10).
    /// `longLived` (the agent): keep the out-of-space countdown (its first sight of a pool out
    /// of space is when the kernel's timer started, give or take its wake-up) and since when
    /// devices are stuck, and give the memory a large collection freed back to the kernel.
    func reader(
        logger: Logger, annotator: (any PoolAnnotator)? = nil,
        percent: (@Sendable (String, UInt64?) -> UInt64)? = nil, longLived: Bool = false
    ) throws -> PoolReader {
        let flag = minFreeSpace == nil ? nil : try minFreeSpacePercent()
        return PoolReader(
            client: client(logger: logger),
            backing: fixtures == nil ? SysfsLoopBacking() : NoLoopBacking(),
            logger: logger, minFreeSpacePercent: percent ?? { pool, own in flag ?? PoolReader.dockerMinFreeSpace(pool, own) },
            annotator: annotator, outOfSpaceProbe: fixtures == nil && longLived ? SysfsOutOfSpaceProbe() : nil,
            keepsHistory: longLived, releaseMemory: longLived ? Heap.releaseFreePages : nil)
    }
}

struct LogOptions: ParsableArguments {
    @Option(name: .customLong("log.level"), help: "Only log messages with the given severity or above: debug, info, warn, error.")
    var level: String = "info"

    @Option(name: .customLong("log.format"), help: "Output format of log messages: logfmt or json.")
    var format: String = "logfmt"

    func validate() throws {
        _ = try logLevel()
        guard LineLogHandler.Format(rawValue: format) != nil else {
            throw ValidationError("--log.format: '\(format)' is not one of logfmt, json")
        }
    }

    func logLevel() throws -> Logger.Level {
        switch level {
        case "debug": return .debug
        case "info": return .info
        case "warn", "warning": return .warning
        case "error": return .error
        default: throw ValidationError("--log.level: '\(level)' is not one of debug, info, warn, error")
        }
    }

    /// A logger writing lines to stderr in the chosen format, at the chosen level.
    func logger(_ label: String) -> Logger {
        let level = (try? logLevel()) ?? .info
        let format = LineLogHandler.Format(rawValue: format) ?? .logfmt
        return Logger(label: label) { LineLogHandler(label: $0, format: format, level: level) }
    }
}

/// Where to learn what uses the pools (docker, containerd, LVM).
struct WorkloadOptions: ParsableArguments {
    @Option(
        name: .customLong("docker.root"),
        help: ArgumentHelp(
            "docker's data root, to name containers and layers on its devicemapper pool (default: daemon.json's data-root, "
                + "else /var/lib/docker when it holds devicemapper metadata; 'none': do not look).",
            valueName: "DIR"))
    var dockerRoot: String?

    @Option(
        name: .customLong("docker.config"),
        help: ArgumentHelp(
            "dockerd's daemon.json, for dm.min_free_space, dm.thinpooldev and data-root (default /etc/docker/daemon.json; 'none').",
            valueName: "FILE"))
    var dockerConfig: String?

    @Option(
        name: .customLong("containerd.config"),
        help: ArgumentHelp(
            "containerd's config.toml, for the devmapper snapshotter's pool_name (default /etc/containerd/config.toml; 'none').",
            valueName: "FILE"))
    var containerdConfig: String?

    /// The sources these options name. With fixtures, only what is named explicitly is read
    /// (and VG sizes come from the fixture's `vgs` file), so a fixture never mixes with the host.
    func sources(fixtures: String?, logger: Logger) -> WorkloadSources {
        func path(_ value: String?, default d: String?) -> String? {
            guard let value else { return fixtures == nil ? d : nil }
            return value == "none" || value.isEmpty ? nil : value
        }
        for (flag, value) in [("--docker.root", dockerRoot), ("--docker.config", dockerConfig), ("--containerd.config", containerdConfig)] {
            if let value, value != "none", !value.isEmpty, !fileExists(value) {
                logger.warning("\(flag) \(value): no such file or directory (looked for again at every collection)")
            }
        }
        let disabled = dockerRoot == "none" || dockerRoot == ""
        let options = WorkloadSources.Options(
            dockerRoot: disabled ? nil : dockerRoot,
            detectDocker: fixtures == nil && !disabled,
            dockerConfig: path(dockerConfig, default: "/etc/docker/daemon.json"),
            containerdConfig: path(containerdConfig, default: "/etc/containerd/config.toml"),
            volumeGroups: fixtures.map { FileVolumeGroups(path: $0 + "/vgs") } ?? LVMVolumeGroups())
        return WorkloadSources(options: options, logger: logger)
    }
}
