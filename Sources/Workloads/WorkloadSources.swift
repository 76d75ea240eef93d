import Foundation
import Logging
import SystemIO
import ThinPoolCore

/// Where to learn what uses the pools, and the annotator PoolReader calls on every read.
///
/// Files are read again only when they change (docker's metadata per file, daemon.json and
/// config.toml by stamp), `lvm vgs` at most every 30 s. Nothing here can fail a read: a missing
/// or unreadable source leaves pools unnamed and is logged once.
public final class WorkloadSources: PoolAnnotator {
    public struct Options: Sendable {
        /// docker's data root; nil: daemon.json's data-root, else /var/lib/docker, used when
        /// it holds devicemapper metadata.
        public var dockerRoot: String?
        /// Look for docker at the default root when `dockerRoot` is nil.
        public var detectDocker: Bool
        /// dockerd's daemon.json; nil: none.
        public var dockerConfig: String?
        /// containerd's config.toml; nil: none.
        public var containerdConfig: String?
        /// VG sizes; nil: none.
        public var volumeGroups: (any VolumeGroupSource)?
        /// How docker's version (the dialect of its `docker info` lines) is known.
        public var dockerVersion: DockerVersionSource = .ask(synchronously: false)
        /// How long an ask of docker's API may take (a one-off reader waits for it; the agent
        /// asks on a thread of its own, so it can wait longer), and how long a failed ask stands
        /// before it is made again while the socket is the same.
        public var dockerTimeout = (oneOff: 2.0, agent: 5.0)
        public var dockerRetryAfter = 5.0

        /// Where docker's version comes from.
        public enum DockerVersionSource: Sendable {
            /// Asked of docker's API socket (daemon.json's `hosts`, else /var/run/docker.sock),
            /// again whenever the socket is made anew (docker restarted); a long-lived reader asks
            /// on a thread of its own and keeps the last answer meanwhile, a one-off one (status)
            /// waits for the answer (at most a second).
            case ask(synchronously: Bool)
            /// Given (--docker.version, or the configuration file).
            case fixed(DockerVersion, DockerDialect.Source)
            /// Not asked, with why (pools read from saved output).
            case none(String)
        }

        public init(
            dockerRoot: String? = nil, detectDocker: Bool = true, dockerConfig: String? = "/etc/docker/daemon.json",
            containerdConfig: String? = "/etc/containerd/config.toml", volumeGroups: (any VolumeGroupSource)? = LVMVolumeGroups()
        ) {
            self.dockerRoot = dockerRoot
            self.detectDocker = detectDocker
            self.dockerConfig = dockerConfig
            self.containerdConfig = containerdConfig
            self.volumeGroups = volumeGroups
        }

        /// Nothing: pools are not named.
        public static let none = Options(detectDocker: false, dockerConfig: nil, containerdConfig: nil, volumeGroups: nil)
    }

    public static let defaultDockerRoot = "/var/lib/docker"

    public let options: Options
    let logger: Logger

    private struct State: Sendable {
        var daemon: (stamp: FileStamp?, config: DockerDaemonConfig)?
        var containerd: (stamp: FileStamp?, config: ContainerdDevmapperConfig?)?
        /// containerd's snapshots, read again when one of its three files changes.
        var containerdMetadata: (config: ContainerdDevmapperConfig, stamps: [FileStamp?], snapshots: [String: ContainerdSnapshot]?)?
        var docker: DockerRootReader?
        /// The owners the last full read found, for the fast path: a host has a few pools, and
        /// a search of a few names costs less than hashing one on every alert-path read.
        var owners: [(name: String, owner: Indirect<PoolOwner>)] = []
        /// Messages already logged (each is logged once while it stands).
        var warned: Set<String> = []
        /// The LVM pools and their lengths at the last read: when one changes, LVM has acted
        /// (an lvextend, dmeventd's or anyone's) and its cached VG and settings are stale.
        var lvmPools: [String: UInt64] = [:]
        /// docker's dialect, as its API socket answered when it had this stamp, and when
        /// (monotonic seconds): an ask that failed is made again after ``retryDockerAfter``.
        var dialect: (socket: String, stamp: FileStamp?, dialect: DockerDialect, at: Double)?
        /// An ask of docker's API is on its way.
        var askingDocker = false
    }

    private let state = Locked(State())

    public init(options: Options, logger: Logger = Logger(label: "thinpool.workloads")) {
        self.options = options
        self.logger = logger
    }

    /// The docker root reader in use (its statistics show what the cache saves).
    public var dockerReader: DockerRootReader? { state.withLock { $0.docker } }

    public func annotate(_ pools: inout [ThinPool]) {
        let lvm = Set(pools.compactMap { WorkloadResolver.lvmName($0) })
        var lengths: [String: UInt64] = [:]
        for p in pools where WorkloadResolver.lvmName(p) != nil { lengths[p.name] = p.length.rawValue }
        let changed = state.withLock { s in
            defer { s.lvmPools = lengths }
            return s.lvmPools != lengths
        }
        if changed { options.volumeGroups?.invalidate() }
        let inventory = self.inventory(volumeGroups: Set(lvm.map(\.vg)), lvmPools: lvm)
        WorkloadResolver.annotate(&pools, inventory)
        let owners = pools.compactMap { p in p.sharedOwner.map { (p.name, $0) } }
        state.withLock { $0.owners = owners }
    }

    public func annotate(pool: inout ThinPool) {
        let name = pool.name
        // The full read's owner itself, shared: a retain rather than a copy.
        pool.sharedOwner = state.withLock { s in s.owners.first { $0.name == name }?.owner }
    }

    /// Reads what changed and returns the whole inventory.
    public func inventory(volumeGroups vgs: Set<String> = [], lvmPools: Set<LVMName> = []) -> WorkloadInventory {
        var messages: [String] = []
        let (daemon, containerd, snapshots, reader) = state.withLock { s in
            let daemon = refreshDaemon(&s, &messages)
            let containerd = refreshContainerd(&s, &messages)
            let snapshots = refreshContainerdMetadata(&s, containerd, &messages)
            // dockerd resolves its root's symbolic links before it uses it (ReadSymlinkedDirectory):
            // the paths docker info prints, and the device its pool is named after, are the
            // resolved root's. A relative --docker.root (saved output beside a fixture) is kept
            // as given.
            let root = (options.dockerRoot ?? daemon.dataRoot ?? (options.detectDocker ? Self.defaultDockerRoot : nil))
                .map { $0.hasPrefix("/") ? (try? resolvedPath($0)) ?? $0 : $0 }
            if let root, s.docker?.root != root { s.docker = DockerRootReader(root: root) }
            if root == nil { s.docker = nil }
            return (daemon, containerd, snapshots, s.docker)
        }
        var inventory = WorkloadInventory(containerd: containerd, containerdSnapshots: snapshots)
        if let reader {
            if DockerRootReader.isDevicemapperRoot(reader.root) {
                var docker = reader.read()
                docker.settings = daemon
                docker.dialect = dockerDialect(daemon)
                for f in docker.skipped { messages.append("skipping a docker metadata file: \(f)") }
                inventory.docker = docker
            } else if options.dockerRoot != nil {
                messages.append(
                    "--docker.root \(reader.root): no devicemapper/metadata directory there (is docker using the devicemapper storage driver?)"
                )
            }
        }
        if let source = options.volumeGroups, !vgs.isEmpty {
            let (groups, problems) = source.volumeGroups(vgs)
            inventory.volumeGroups = groups
            messages += problems.map { "cannot read volume group sizes: \($0)" }
            let (policies, policyProblems) = source.autoextend(lvmPools)
            inventory.lvmAutoextend = policies
            inventory.lvmInactiveThin = source.inactiveThinVolumes(lvmPools)
            messages += policyProblems.map { "cannot read LVM's autoextend settings: \($0)" }
        }
        warnOnce(messages)
        return inventory
    }

    /// The dialect of the docker whose pool this is (``Options/dockerVersion``).
    private func dockerDialect(_ daemon: DockerDaemonConfig) -> DockerDialect {
        switch options.dockerVersion {
        case .fixed(let v, let source): return DockerDialect(version: v, source: source)
        case .none(let why): return .unknown(why)
        case .ask(let synchronously):
            guard let socket = daemon.apiSocket else {
                return .unknown("daemon.json's hosts names no unix:// socket of docker's API")
            }
            let stamp = FileStamp(socket)
            let now = monotonicNow()
            let (known, ask) = state.withLock { s -> (DockerDialect?, Bool) in
                if let d = s.dialect, d.socket == socket, d.stamp == stamp,
                    d.dialect.version != nil || now - d.at < options.dockerRetryAfter
                {
                    return (d.dialect, false)
                }
                guard !s.askingDocker else { return (s.dialect?.dialect, false) }
                s.askingDocker = true
                return (s.dialect?.socket == socket ? s.dialect?.dialect : nil, true)
            }
            guard ask else { return known ?? .unknown("asking docker's API at \(socket)") }
            if synchronously { return askDocker(socket, stamp, timeout: options.dockerTimeout.oneOff, log: false) }
            let timeout = options.dockerTimeout.agent
            startThread(named: "docker-version") { [self] in _ = askDocker(socket, stamp, timeout: timeout, log: true) }
            return known ?? .unknown("asking docker's API at \(socket)")
        }
    }

    /// Asks docker's API its version and keeps the answer for the socket as it was (`stamp`);
    /// a long-lived reader logs a change of dialect.
    private func askDocker(_ socket: String, _ stamp: FileStamp?, timeout: Double, log: Bool) -> DockerDialect {
        let dialect: DockerDialect
        switch DockerAPI.version(socket: socket, timeout: timeout) {
        case .success(let v): dialect = DockerDialect(version: v, source: .socket(socket))
        case .failure(let e): dialect = .unknown(e.description)
        }
        let changed = state.withLock { s -> Bool in
            defer {
                s.dialect = (socket, stamp, dialect, monotonicNow())
                s.askingDocker = false
            }
            return s.dialect?.dialect != dialect
        }
        if changed, log { logger.info("docker info's lines: \(dialect)") }
        return dialect
    }

    private func refreshDaemon(_ s: inout State, _ messages: inout [String]) -> DockerDaemonConfig {
        guard let path = options.dockerConfig else { return DockerDaemonConfig() }
        let stamp = FileStamp(path)
        if let d = s.daemon, d.stamp == stamp, !(stamp?.isRecent(comparedTo: Int(Date().timeIntervalSince1970)) ?? false) {
            return d.config
        }
        var config = DockerDaemonConfig()
        if stamp != nil {
            if let bytes = readSmallFile(path) {
                config = DockerDaemonConfig.parse(Data(bytes))
                messages += config.problems.map { "docker config \(path): \($0)" }
            } else {
                messages.append("docker config \(path): cannot be read")
            }
        }
        s.daemon = (stamp, config)
        return config
    }

    private func refreshContainerd(_ s: inout State, _ messages: inout [String]) -> ContainerdDevmapperConfig? {
        guard let path = options.containerdConfig else { return nil }
        let stamp = FileStamp(path)
        if let c = s.containerd, c.stamp == stamp, !(stamp?.isRecent(comparedTo: Int(Date().timeIntervalSince1970)) ?? false) {
            return c.config
        }
        var config: ContainerdDevmapperConfig?
        if stamp != nil {
            if let bytes = readSmallFile(path) {
                config = ContainerdDevmapperConfig.parse(String(decoding: bytes, as: UTF8.self))
            } else {
                messages.append("containerd config \(path): cannot be read")
            }
        }
        s.containerd = (stamp, config)
        return config
    }

    private func refreshContainerdMetadata(
        _ s: inout State, _ config: ContainerdDevmapperConfig?,
        _ messages: inout [String]
    ) -> [String: ContainerdSnapshot]? {
        guard let config else { return nil }
        let paths = ContainerdMetadata.paths(config)
        let stamps = paths.map { FileStamp($0) }
        let now = Int(Date().timeIntervalSince1970)
        if let m = s.containerdMetadata, m.config == config, m.stamps == stamps,
            !stamps.contains(where: { $0?.isRecent(comparedTo: now) == true })
        {
            return m.snapshots
        }
        let inventory = ContainerdMetadata.inventory(config, read: Self.readBolt)
        messages += inventory.problems.map { "containerd metadata \($0)" }
        // Without the snapshotter's own metadata there is nothing to name or count by.
        let snapshots = stamps[0] == nil ? nil : inventory.snapshots
        s.containerdMetadata = (config, stamps, snapshots)
        return snapshots
    }

    /// A bbolt file as one transaction left it: read whole, then its meta pages again; if a
    /// commit finished meanwhile (containerd writes while we read), read again. nil: no file.
    static func readBolt(_ path: String) throws -> [UInt8]? {
        guard access(path, F_OK) == 0 else { return nil }
        var bytes = try readFile(path, limit: 256 << 20)
        for _ in 0..<2 {
            let again = try readFile(path, limit: 256 << 20)
            if BoltDB.transactionID(metaPages: bytes) == BoltDB.transactionID(metaPages: again) { break }
            bytes = again
        }
        return bytes
    }

    /// Logs each message once while it keeps recurring; one that stops and comes back is
    /// logged again.
    private func warnOnce(_ messages: [String]) {
        let current = Set(messages)
        let new = state.withLock { s in
            let new = current.subtracting(s.warned)
            s.warned = current
            return new
        }
        for m in new.sorted() { logger.warning("\(m)") }
    }
}

/// CLOCK_MONOTONIC in seconds.
private func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
