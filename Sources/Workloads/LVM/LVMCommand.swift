import Foundation
import SystemIO
import ThinPoolCore

/// Runs the `lvm` tool (lvm vgs, lvm lvextend) with a timeout: the only way to LVM's view of
/// volume groups, which device-mapper does not have.
public struct LVMCommand: Sendable {
    public let path: String
    public let timeout: TimeInterval

    public init(path: String = LVMCommand.find(), timeout: TimeInterval = 120) {
        self.path = path
        self.timeout = timeout
    }

    /// Why `lvm` did not give an answer.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// The program could not be started.
        case cannotRun(path: String, reason: String)
        /// It ran past the timeout and was terminated.
        case timedOut(arguments: [String], seconds: Double)
        /// It exited with a status other than 0.
        case exited(arguments: [String], status: Int32, stderr: String)

        public var description: String {
            switch self {
            case .cannotRun(let path, let reason): return "cannot run \(path): \(reason)"
            case .timedOut(let args, let s):
                return "lvm \(args.first ?? "") did not finish within \(s == s.rounded() ? String(Int(s)) : String(s)) s"
            case .exited(let args, let status, let stderr):
                return "lvm \(args.joined(separator: " ")) failed (exit \(status)): \(stderr)"
            }
        }
    }

    /// lvm in the usual places, else whatever `lvm` is on PATH.
    public static func find() -> String {
        for p in ["/sbin/lvm", "/usr/sbin/lvm", "/usr/local/sbin/lvm"] where isExecutable(p) {
            return p
        }
        return "lvm"
    }

    /// Runs `lvm ARGS` (an argument vector, no shell); its stdout, or why not.
    public func run(_ args: [String]) throws(Failure) -> String {
        var env = ProcessInfo.processInfo.environment
        env["LVM_SUPPRESS_FD_WARNINGS"] = "1"
        let result: SubprocessResult
        do {
            result = try runSubprocess(path, args, environment: env, timeout: timeout)
        } catch {
            throw .cannotRun(path: path, reason: error.reasonText)
        }
        guard !result.timedOut else { throw .timedOut(arguments: args, seconds: timeout) }
        let stderr = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        switch result.termination {
        case .exited(0): return String(decoding: result.stdout, as: UTF8.self)
        case .exited(let status): throw .exited(arguments: args, status: status, stderr: stderr)
        case .signaled(let signal): throw .exited(arguments: args, status: 128 + signal, stderr: stderr)
        }
    }
}
