import Foundation
import Logging
import SystemIO
import ThinPoolCore

/// Command receivers, as dmeventd's `thin_command`: the operator's program run for each
/// notification -- no shell, its own arguments from the config, the alert and the pool's usage
/// in its environment, ended at the receiver's timeout, its output logged. A program that fails
/// is not run again for that notification (it may have done part of its work); the failure is
/// logged with its output and counted (`rejected`).
enum CommandReceiver {
    /// The environment: the notification's alert (the first firing one, else the first), the
    /// pool's usage at the latest reading, and the whole notification as the webhook's JSON.
    static func environment(
        _ n: AlertNotification, receiver: ReceiverConfig, usage: PoolCapacity?, context: Payloads.Context
    ) -> [String: String] {
        var env: [String: String] = [
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "THINPOOL_RECEIVER": receiver.name,
            "THINPOOL_NOTIFICATION_ID": n.id,
            "THINPOOL_STATUS": n.status.rawValue,
            "THINPOOL_HOST": context.host,
            "THINPOOL_ALERTS": "\(n.alerts.count)",
        ]
        if !n.alerts.isEmpty {
            env["THINPOOL_NOTIFICATION_JSON"] = Payloads.webhookV4(n, receiver: receiver.name, context: context).serialized()
        }
        if let a = n.alerts.first(where: { $0.status == .firing }) ?? n.alerts.first {
            env["THINPOOL_POOL"] = a.pool
            env["THINPOOL_ALERT"] = a.name.rawValue
            env["THINPOOL_SEVERITY"] = a.severity.rawValue
            env["THINPOOL_ALERT_STATUS"] = a.status.rawValue
            env["THINPOOL_SUMMARY"] = a.summary
            env["THINPOOL_DESCRIPTION"] = a.description
            env["THINPOOL_STARTS_AT"] = RFC3339.format(a.startsAt)
        }
        if let c = usage {
            env["THINPOOL_DATA_PERCENT"] = percent(c.data.usedRatio)
            env["THINPOOL_DATA_USED_BYTES"] = "\(c.data.used.rawValue)"
            env["THINPOOL_DATA_SIZE_BYTES"] = "\(c.data.total.rawValue)"
            env["THINPOOL_DATA_AVAILABLE_BYTES"] = "\(c.data.available.rawValue)"
            env["THINPOOL_METADATA_PERCENT"] = percent(c.metadata.usedRatio)
            env["THINPOOL_METADATA_USED_BYTES"] = "\(c.metadata.used.rawValue)"
            env["THINPOOL_METADATA_SIZE_BYTES"] = "\(c.metadata.total.rawValue)"
        }
        return env
    }

    /// "91.25": a percentage with two decimals.
    static func percent(_ ratio: Double) -> String {
        let hundredths = Int((ratio * 10000).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// Runs the program for `n`; what became of it.
    static func run(
        _ n: AlertNotification, receiver: ReceiverConfig, usage: PoolCapacity?, context: Payloads.Context, logger: Logger
    ) -> PostOutcome {
        guard let program = receiver.command.first else {
            return .program(succeeded: false, report: "no program configured", seconds: 0)
        }
        let started = Date()
        let result: SubprocessResult
        do {
            result = try runSubprocess(
                program, Array(receiver.command.dropFirst()),
                environment: environment(n, receiver: receiver, usage: usage, context: context),
                timeout: receiver.timeout.seconds)
        } catch {
            return .program(succeeded: false, report: "cannot run \(program): \(error.reasonText)", seconds: 0)
        }
        let seconds = Date().timeIntervalSince(started)
        let meta: Logger.Metadata = ["receiver": "\(receiver.name)", "program": "\(program)", "id": "\(n.id)"]
        for (stream, bytes) in [("stdout", result.stdout), ("stderr", result.stderr)] where !bytes.isEmpty {
            logger.info("command receiver output", metadata: meta.merging(["stream": "\(stream)", "text": "\(tail(bytes))"]) { $1 })
        }
        if result.timedOut {
            return .program(
                succeeded: false, report: "\(program) ran past its timeout (\(Int(receiver.timeout.seconds)) s) and was ended",
                seconds: seconds)
        }
        switch result.termination {
        case .exited(0): return .program(succeeded: true, report: "", seconds: seconds)
        case .exited(let status):
            return .program(succeeded: false, report: "\(program) exited with status \(status)\(stderrNote(result))", seconds: seconds)
        case .signaled(let signal):
            return .program(succeeded: false, report: "\(program) was killed by signal \(signal)\(stderrNote(result))", seconds: seconds)
        }
    }

    /// The last 4 KiB of an output, as text.
    static func tail(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes.suffix(4096), as: UTF8.self)
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }

    static func stderrNote(_ r: SubprocessResult) -> String {
        let e = tail(r.stderr)
        guard !e.isEmpty else { return "" }
        let last = e.split(separator: "\n").last.map(String.init) ?? e
        return ": \(last)"
    }
}
