import ArgumentParser
import DeviceMapper
import Foundation
import Logging
import Reader
import SystemIO
import ThinPoolCore
import Workloads

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
