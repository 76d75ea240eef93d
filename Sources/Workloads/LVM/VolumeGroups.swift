import Foundation
import SystemIO
import ThinPoolCore

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
