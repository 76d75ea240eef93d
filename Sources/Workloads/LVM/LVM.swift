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

/// A volume group's size and free space: the headroom LVM autoextend can grow a pool into.
public struct VolumeGroupSpace: Sendable, Equatable {
    public var name: String
    public var size: UInt64
    public var free: UInt64
    public var extentSize: UInt64

    public init(name: String, size: UInt64, free: UInt64, extentSize: UInt64) {
        self.name = name
        self.size = size
        self.free = free
        self.extentSize = extentSize
    }

    /// The fields `vgs` prints for ``parse(_:)``.
    public static let vgsArguments = [
        "vgs", "--noheadings", "--units", "b", "--nosuffix", "--separator", "|",
        "-o", "vg_name,vg_size,vg_free,vg_extent_size",
    ]

    /// Parses `lvm vgs` output in the form of ``vgsArguments``: one `name|size|free|extent`
    /// line per group. Lines that do not fit are reported, not guessed at.
    public static func parse(_ text: String) -> (groups: [VolumeGroupSpace], problems: [String]) {
        var groups: [VolumeGroupSpace] = []
        var problems: [String] = []
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            let f = t.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 4, !f[0].isEmpty, let size = UInt64(f[1]), let free = UInt64(f[2]), let extent = UInt64(f[3]) else {
                problems.append("vgs line \"\(t)\" is not name|size|free|extent_size in bytes")
                continue
            }
            groups.append(VolumeGroupSpace(name: f[0], size: size, free: free, extentSize: extent))
        }
        return (groups, problems)
    }
}

/// Where volume group sizes, and what LVM does for its thin pools, come from.
public protocol VolumeGroupSource: Sendable {
    /// The groups among `names` that could be read; problems are logged by the caller.
    func volumeGroups(_ names: Set<String>) -> (groups: [String: VolumeGroupSpace], problems: [String])
    /// What LVM itself does as each of these thin pools fills (dmeventd, autoextend policy).
    func autoextend(_ pools: Set<LVMName>) -> (pools: [LVMName: LVMAutoextend], problems: [String])
    /// These pools' thin LVs that are not active (from the same `lvm lvs` as ``autoextend(_:)``;
    /// its problems are reported there).
    func inactiveThinVolumes(_ pools: Set<LVMName>) -> [LVMName: InactiveThinVolumes]
    /// Forget what was cached: LVM changed something (a pool grew).
    func invalidate()
}

extension VolumeGroupSource {
    public func autoextend(_ pools: Set<LVMName>) -> (pools: [LVMName: LVMAutoextend], problems: [String]) { ([:], []) }
    public func inactiveThinVolumes(_ pools: Set<LVMName>) -> [LVMName: InactiveThinVolumes] { [:] }
    public func invalidate() {}
}

/// Reads LVM's own view of its thin pools' autoextend: which ones dmeventd monitors, their
/// metadata profiles (`lvm lvs`), and the settings in effect (`lvm lvmconfig --type full`,
/// with `--metadataprofile` per profile).
public enum LVMAutoextendReader {
    /// Thin pools (their profiles and monitoring) and thin LVs (their pool, size in bytes and
    /// whether they are active: an inactive one has no dm device).
    public static let lvsArguments = [
        "lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-S", "segtype=thin-pool||segtype=thin",
        "-o", "vg_name,lv_name,segtype,lv_profile,vg_profile,seg_monitor,pool_lv,lv_size,lv_active",
    ]
    static let keys = ["activation/thin_pool_autoextend_threshold", "activation/thin_pool_autoextend_percent"]

    /// Whether dmeventd runs (its pid file names a live dmeventd). Asking lvs for seg_monitor
    /// when it does not would start it (libdevmapper-event forks it on first contact): an
    /// exporter must not start daemons, so then lvs runs with monitoring off (`--config
    /// 'activation { monitoring = 0 }'`: lvs has no --ignoremonitoring) and every pool is
    /// unmonitored, which it is without dmeventd.
    public static func dmeventdRunning(pidFile: String = "/run/dmeventd.pid", proc: String = "/proc") -> Bool {
        guard let text = try? readTextFile(pidFile), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let comm = try? readTextFile("\(proc)/\(pid)/comm")
        else { return false }
        return comm.trimmingCharacters(in: .whitespacesAndNewlines) == "dmeventd"
    }

    public static func read(
        _ pools: Set<LVMName>, run: (_ args: [String]) throws -> String,
        dmeventd: Bool
    ) -> (pools: [LVMName: LVMAutoextend], inactiveThin: [LVMName: InactiveThinVolumes], problems: [String]) {
        var problems: [String] = []
        let rows: [Row]
        do {
            rows = try parseLVS(try run(lvsArguments + (dmeventd ? [] : ["--config", "activation { monitoring = 0 }"])))
        } catch {
            return ([:], [:], ["lvm lvs: \(error)"])
        }
        // Thin LVs without a dm device: active ones are counted from device-mapper already.
        var inactive: [LVMName: InactiveThinVolumes] = [:]
        for r in rows where r.segtype == "thin" && r.active.isEmpty {
            let pool = LVMName(vg: r.vg, lv: r.pool)
            guard pools.contains(pool) else { continue }
            guard let size = UInt64(r.size) else {
                problems.append("lvm lvs: thin LV \(r.vg)/\(r.lv) has size \"\(r.size)\", not a number of bytes")
                continue
            }
            inactive[pool, default: InactiveThinVolumes()].count += 1
            inactive[pool, default: InactiveThinVolumes()].virtualBytes =
                inactive[pool, default: InactiveThinVolumes()].virtualBytes.saturatingAdding(size)
        }
        // Pools asked about with no inactive thin LV have none (not unknown).
        for p in pools where inactive[p] == nil { inactive[p] = InactiveThinVolumes() }
        var settings: [String?: (threshold: Int, percent: Int)] = [:]
        func config(_ profile: String?) -> (threshold: Int, percent: Int)? {
            if let s = settings[profile] { return s }
            do {
                let args = ["lvmconfig", "--type", "full"] + (profile.map { ["--metadataprofile", $0] } ?? []) + keys
                let values = parseConfig(try run(args))
                guard let t = values["thin_pool_autoextend_threshold"], let p = values["thin_pool_autoextend_percent"] else {
                    problems.append(
                        "lvm lvmconfig\(profile.map { " --metadataprofile \($0)" } ?? ""): no autoextend settings in its output")
                    return nil
                }
                settings[profile] = (t, p)
                return (t, p)
            } catch {
                problems.append("lvm lvmconfig: \(error)")
                return nil
            }
        }
        var out: [LVMName: LVMAutoextend] = [:]
        for r in rows where r.segtype == "thin-pool" {
            let name = LVMName(vg: r.vg, lv: r.lv)
            guard pools.contains(name) else { continue }
            let profile = r.lvProfile.isEmpty ? (r.vgProfile.isEmpty ? nil : r.vgProfile) : r.lvProfile
            guard let c = config(profile) else { continue }
            out[name] = LVMAutoextend(monitored: r.monitor == "monitored", threshold: c.threshold, percent: c.percent, profile: profile)
        }
        return (out, inactive, problems)
    }

    /// `lvm lvs` printed something that is not its JSON report.
    struct LVSOutputError: Error, CustomStringConvertible {
        var text: String
        var description: String { "not lvs JSON: \(text)" }
    }

    struct Row: Equatable {
        var vg, lv, segtype, lvProfile, vgProfile, monitor, pool, size, active: String
    }

    /// `lvs --reportformat json` output: {"report": [{"lv": [{field: "value", ...}]}]}.
    static func parseLVS(_ text: String) throws -> [Row] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let report = object["report"] as? [[String: Any]]
        else {
            throw LVSOutputError(text: String(text.prefix(200)))
        }
        return report.flatMap { ($0["lv"] as? [[String: Any]]) ?? [] }.compactMap { lv in
            func f(_ k: String) -> String { (lv[k] as? String) ?? "" }
            guard !f("vg_name").isEmpty, !f("lv_name").isEmpty else { return nil }
            return Row(
                vg: f("vg_name"), lv: f("lv_name"), segtype: f("segtype"), lvProfile: f("lv_profile"), vgProfile: f("vg_profile"),
                monitor: f("seg_monitor"), pool: f("pool_lv"), size: f("lv_size"), active: f("lv_active"))
        }
    }

    /// `lvmconfig` output: `name=value` lines (whatever the section), numbers only.
    static func parseConfig(_ text: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let v = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            out[parts[0].trimmingCharacters(in: .whitespaces)] = v
        }
        return out
    }
}

/// `lvm vgs`, at most once per `maxAge`: it takes LVM's locks and tens of milliseconds, too
/// much for every scrape, while VG free space changes only when LVs are created or grown.
public final class LVMVolumeGroups: VolumeGroupSource {
    let command: LVMCommand
    let maxAge: Duration
    private let cache = Locked<(at: ContinuousClock.Instant, groups: [String: VolumeGroupSpace], problems: [String])?>(nil)

    public init(command: LVMCommand = LVMCommand(timeout: 10), maxAge: Duration = .seconds(30)) {
        self.command = command
        self.maxAge = maxAge
    }

    private struct Policies {
        var at: ContinuousClock.Instant
        var asked: Set<LVMName>
        var pools: [LVMName: LVMAutoextend]
        var inactiveThin: [LVMName: InactiveThinVolumes]
        var problems: [String]
    }
    private let policies = Locked<Policies?>(nil)

    /// Forget the cached sizes and settings (after an lvextend, ours or LVM's).
    public func invalidate() {
        cache.withLock { $0 = nil }
        policies.withLock { $0 = nil }
    }

    public func autoextend(_ pools: Set<LVMName>) -> (pools: [LVMName: LVMAutoextend], problems: [String]) {
        guard let c = lvs(pools) else { return ([:], []) }
        return (c.pools.filter { pools.contains($0.key) }, c.problems)
    }

    public func inactiveThinVolumes(_ pools: Set<LVMName>) -> [LVMName: InactiveThinVolumes] {
        lvs(pools)?.inactiveThin.filter { pools.contains($0.key) } ?? [:]
    }

    /// `lvm lvs` (and `lvmconfig`) at most every maxAge -- they take LVM's locks -- unless a new
    /// pool appeared.
    private func lvs(_ pools: Set<LVMName>) -> Policies? {
        if pools.isEmpty { return nil }
        let now = ContinuousClock.now
        if let c = policies.withLock({ $0 }), now - c.at < maxAge, pools.isSubset(of: c.asked) { return c }
        let r = LVMAutoextendReader.read(
            pools, run: { args throws(LVMCommand.Failure) in try command.run(args) },
            dmeventd: LVMAutoextendReader.dmeventdRunning())
        let c = Policies(at: now, asked: pools, pools: r.pools, inactiveThin: r.inactiveThin, problems: r.problems)
        policies.withLock { $0 = c }
        return c
    }

    public func volumeGroups(_ names: Set<String>) -> (groups: [String: VolumeGroupSpace], problems: [String]) {
        if names.isEmpty { return ([:], []) }
        let now = ContinuousClock.now
        let all: (groups: [String: VolumeGroupSpace], problems: [String])
        if let c = cache.withLock({ $0 }), now - c.at < maxAge {
            all = (c.groups, c.problems)
        } else {
            // Every group: naming one that is gone would fail the whole command.
            var groups: [String: VolumeGroupSpace] = [:]
            var problems: [String] = []
            do {
                let parsed = VolumeGroupSpace.parse(try command.run(VolumeGroupSpace.vgsArguments))
                for g in parsed.groups { groups[g.name] = g }
                problems = parsed.problems
            } catch {
                problems.append(error.description)
            }
            cache.withLock { [groups, problems] in $0 = (now, groups, problems) }
            all = (groups, problems)
        }
        return (all.groups.filter { names.contains($0.key) }, all.problems)
    }
}

/// Saved `lvm vgs` output (a fixture's `vgs` file, in the form of
/// ``VolumeGroupSpace/vgsArguments``).
public struct FileVolumeGroups: VolumeGroupSource {
    public let path: String

    public init(path: String) { self.path = path }

    public func volumeGroups(_ names: Set<String>) -> (groups: [String: VolumeGroupSpace], problems: [String]) {
        guard let text = try? readTextFile(path) else { return ([:], []) }
        let parsed = VolumeGroupSpace.parse(text)
        var groups: [String: VolumeGroupSpace] = [:]
        for g in parsed.groups where names.contains(g.name) { groups[g.name] = g }
        return (groups, parsed.problems.map { "\(path): \($0)" })
    }
}
