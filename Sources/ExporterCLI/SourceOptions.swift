import ArgumentParser
import DeviceMapper
import Logging
import PoolReader
import ThinPool

/// Where pools are read from: the kernel, or a fixture directory of saved dmsetup output.
struct SourceOptions: ParsableArguments {
    @Option(name: .customLong("dm.fixtures"), help: ArgumentHelp(
        "Read pools from DIR (files 'table', 'status' and optionally 'info': the output of "
            + "`dmsetup table`, `dmsetup status`, `dmsetup info -c`) instead of the kernel.",
        valueName: "DIR"))
    var fixtures: String?

    @Option(name: .customLong("min-free-space"), help: ArgumentHelp(
        "Docker's dm.min_free_space: the percentage of data and metadata space docker keeps free (0-99; default 10, or the config file's).",
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
    func client(logger: Logger) -> any DeviceMapper {
        if let fixtures { return FixtureDeviceMapper(directory: fixtures) }
        return LibDeviceMapper(logger: logger)
    }

    /// A reader; `percent` gives a pool's dm.min_free_space (the flag's value by default).
    func reader(logger: Logger, percent: (@Sendable (String) -> UInt64)? = nil) throws -> PoolReader {
        let flag = try minFreeSpacePercent()
        return PoolReader(client: client(logger: logger),
                          backing: fixtures == nil ? SysfsLoopBacking() : NoLoopBacking(),
                          logger: logger, minFreeSpacePercent: percent ?? { _ in flag })
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
