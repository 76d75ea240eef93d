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
        "Docker's dm.min_free_space: the percentage of data and metadata space docker keeps free (0-99).",
        valueName: "PCT"))
    var minFreeSpace: String = "10%"

    func validate() throws {
        _ = try minFreeSpacePercent()
    }

    func minFreeSpacePercent() throws -> UInt64 {
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

    func reader(logger: Logger) throws -> PoolReader {
        let percent = try minFreeSpacePercent()
        return PoolReader(client: client(logger: logger),
                          backing: fixtures == nil ? SysfsLoopBacking() : NoLoopBacking(),
                          logger: logger, minFreeSpacePercent: { _ in percent })
    }
}

struct LogOptions: ParsableArguments {
    @Option(name: .customLong("log.level"), help: "Only log messages with the given severity or above: debug, info, warn, error.")
    var level: String = "info"

    func validate() throws { _ = try logLevel() }

    func logLevel() throws -> Logger.Level {
        switch level {
        case "debug": return .debug
        case "info": return .info
        case "warn", "warning": return .warning
        case "error": return .error
        default: throw ValidationError("--log.level: '\(level)' is not one of debug, info, warn, error")
        }
    }

    /// A logger writing to stderr at the chosen level.
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = (try? logLevel()) ?? .info
        return logger
    }
}
