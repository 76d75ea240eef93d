import FileIO
import Foundation
import Locking
import ThinPool

/// Runs the `lvm` tool (lvm vgs, lvm lvextend) with a timeout: the only way to LVM's view of
/// volume groups, which device-mapper does not have.
public struct LVMCommand: Sendable {
    public let path: String
    public let timeout: TimeInterval

    public init(path: String = LVMCommand.find(), timeout: TimeInterval = 120) {
        self.path = path
        self.timeout = timeout
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// lvm in the usual places, else whatever `lvm` is on PATH.
    public static func find() -> String {
        for p in ["/sbin/lvm", "/usr/sbin/lvm", "/usr/local/sbin/lvm", "/extra/bin/lvm"] where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return "lvm"
    }

    /// Runs `lvm ARGS`; its stdout, or a failure naming the command, exit status and stderr.
    public func run(_ args: [String]) throws(Failure) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path.hasPrefix("/") ? path : "/usr/bin/env")
        p.arguments = path.hasPrefix("/") ? args : [path] + args
        var env = ProcessInfo.processInfo.environment
        env["LVM_SUPPRESS_FD_WARNINGS"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw Failure(description: "cannot run \(path): \(error.localizedDescription)") }
        // Drain both pipes while it runs, so a chatty lvm cannot block on a full pipe.
        let outData = Drained(), errData = Drained()
        let group = DispatchGroup()
        for (pipe, sink) in [(out, outData), (err, errData)] {
            DispatchQueue.global().async(group: group) {
                let d = pipe.fileHandleForReading.readDataToEndOfFile()
                sink.data.withLock { $0 = d }
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { usleep(10_000) }
        if p.isRunning {
            p.terminate()
            group.wait()
            throw Failure(description: "lvm \(args.first ?? "") did not finish within \(Int(timeout)) s")
        }
        group.wait()
        let o = String(decoding: outData.data.withLock { $0 }, as: UTF8.self)
        let e = String(decoding: errData.data.withLock { $0 }, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw Failure(description: "lvm \(args.joined(separator: " ")) failed (exit \(p.terminationStatus)): \(e.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return o
    }
}

/// What a reader thread drained from a pipe.
private final class Drained: Sendable {
    let data = Locked(Data())
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
    public static let vgsArguments = ["vgs", "--noheadings", "--units", "b", "--nosuffix", "--separator", "|",
                                      "-o", "vg_name,vg_size,vg_free,vg_extent_size"]

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

/// Where volume group sizes come from.
public protocol VolumeGroupSource: Sendable {
    /// The groups among `names` that could be read; problems are logged by the caller.
    func volumeGroups(_ names: Set<String>) -> (groups: [String: VolumeGroupSpace], problems: [String])
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

    /// Forget the cached sizes (after an lvextend).
    public func invalidate() { cache.withLock { $0 = nil } }

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
