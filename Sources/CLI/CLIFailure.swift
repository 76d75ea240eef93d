import ArgumentParser
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// Exit codes (sysexits.h where one fits), documented in README.md.
enum ExitStatus {
    /// A named pool does not exist, or a pool could not be read.
    static let poolProblem: Int32 = 1
    /// A fixture file is malformed (EX_DATAERR).
    static let badFixture: Int32 = 65
    /// A fixture file is missing (EX_NOINPUT).
    static let missingFixture: Int32 = 66
    /// The kernel has no device-mapper (EX_UNAVAILABLE).
    static let unavailable: Int32 = 69
    /// Not root / no CAP_SYS_ADMIN (EX_NOPERM).
    static let noPermission: Int32 = 77
    /// Any other failure (EX_SOFTWARE).
    static let other: Int32 = 70
}

/// Prints one line to stderr: `thinpool-exporter: <message>`.
func printError(_ message: String) {
    var line = "thinpool-exporter: \(message)\n"
    line.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}

/// Prints `error` as one line and returns the exit code for it.
func exitStatus(reporting error: any Error) -> ExitCode {
    if let e = error as? DeviceMapperError {
        printError(e.description)
        switch e.code {
        case .notAvailable: return ExitCode(ExitStatus.unavailable)
        case .permissionDenied: return ExitCode(ExitStatus.noPermission)
        case .badFixture: return ExitCode(e.errno == .noSuchFileOrDirectory ? ExitStatus.missingFixture : ExitStatus.badFixture)
        case .noSuchDevice: return ExitCode(ExitStatus.poolProblem)
        default: return ExitCode(ExitStatus.other)
        }
    }
    printError("\(error)")
    return ExitCode(ExitStatus.other)
}
