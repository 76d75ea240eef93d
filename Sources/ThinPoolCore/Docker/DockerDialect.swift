/// A docker release's version, as its daemon reports it (`/version`'s "Version": "17.03.2-ce",
/// "1.13.1", "20.10.24+dfsg1"): the leading numbers, compared as numbers.
public struct DockerVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    /// As given.
    public var text: String

    /// nil when `text` does not begin with MAJOR.MINOR (a patch and any suffix may follow).
    public init?(_ text: String) {
        var numbers: [Int] = []
        var current = ""
        for c in text {
            if c.isASCII, c.isNumber {
                current.append(c)
            } else if c == ".", !current.isEmpty, numbers.count < 2 {
                numbers.append(Int(current) ?? 0)
                current = ""
            } else {
                break
            }
        }
        if !current.isEmpty { numbers.append(Int(current.prefix(9)) ?? 0) }
        guard numbers.count >= 2 else { return nil }
        major = numbers[0]
        minor = numbers[1]
        patch = numbers.count > 2 ? numbers[2] : 0
        self.text = text
    }

    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
        text = "\(major).\(minor).\(patch)"
    }

    public var description: String { text }

    public static func < (a: DockerVersion, b: DockerVersion) -> Bool { (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
    public static func == (a: DockerVersion, b: DockerVersion) -> Bool { (a.major, a.minor, a.patch) == (b.major, b.minor, b.patch) }
    public func hash(into h: inout Hasher) {
        h.combine(major)
        h.combine(minor)
        h.combine(patch)
    }
}

/// How the docker on a host words `docker info`'s storage-driver lines, by its version
/// (moby's daemon/graphdriver/devmapper Driver.Status() and its vendored go-units):
/// - before 17.04 (1.12, 1.13 -- Red Hat's 1.13.1 of RHEL/CentOS 7 -- and 17.03) sizes have a
///   space before the unit ("65.54 kB", go-units before v0.3.2: `%.4g %s`);
/// - before 17.11, the lines are in their first order: Data file and Metadata file always (empty
///   with dm.thinpooldev), Udev Sync Supported after the minimum free space, the loop files last
///   before Library Version; 17.11 (moby 8f702de) moved Udev Sync Supported and the files up and
///   leaves empty files out.
/// The dialect is the daemon's: it formats the values, the client prints them as they are.
public struct DockerDialect: Sendable, Hashable, CustomStringConvertible {
    /// Where the version came from.
    public enum Source: Sendable, Hashable {
        /// `--docker.version`.
        case flag
        /// The configuration file's `docker_version`.
        case config
        /// docker's API answered on this socket.
        case socket(String)
        /// No version known: the reason (no socket, a socket that refused, hung or answered
        /// something else).
        case unknown(String)
    }

    /// nil: not known; the lines are then as docker 17.11 and later print them.
    public var version: DockerVersion?
    public var source: Source

    public init(version: DockerVersion?, source: Source) {
        self.version = version
        self.source = source
    }

    /// The dialect of docker 17.11 and later, for when the version is not known.
    public static func unknown(_ why: String) -> DockerDialect { DockerDialect(version: nil, source: .unknown(why)) }

    /// The first release without the space before the unit.
    public static let unspacedSince = DockerVersion(17, 4)
    /// The first release with the lines regrouped (Udev Sync Supported and the files first).
    public static let regroupedSince = DockerVersion(17, 11)

    /// Sizes with a space before the unit ("65.54 kB").
    public var spacedUnits: Bool { version.map { $0 < Self.unspacedSince } ?? false }
    /// The lines in docker's first order.
    public var firstOrder: Bool { version.map { $0 < Self.regroupedSince } ?? false }

    /// A size as this docker prints it.
    public func size(_ bytes: UInt64) -> String { DockerUnits.humanSize(bytes, spaced: spacedUnits) }

    /// Which dialect, and why: what `status` says.
    public var description: String {
        let words =
            version == nil
            ? "as docker 17.11 and later print them"
            : spacedUnits
                ? "as docker before 17.04 prints them (\"65.54 kB\", first order)"
                : firstOrder ? "as docker 17.04 to 17.10 prints them (\"65.54kB\", first order)" : "as docker 17.11 and later print them"
        switch source {
        case .flag: return "docker \(version?.text ?? "?") (--docker.version): lines \(words)"
        case .config: return "docker \(version?.text ?? "?") (docker_version in the configuration file): lines \(words)"
        case .socket(let s): return "docker \(version?.text ?? "?") (asked \(s)): lines \(words)"
        case .unknown(let why): return "docker's version unknown (\(why)): lines \(words)"
        }
    }
}
