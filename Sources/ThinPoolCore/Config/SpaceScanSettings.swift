import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `space_scan`: whether, how often and with which tools the agent reads a pool's metadata
/// snapshot. Off unless enabled: each scan reserves the pool's metadata snapshot.
public struct SpaceScanSettings: Sendable, Equatable {
    public var enabled = false
    /// Between scans of the same pool; each holds a metadata snapshot for the time thin_ls and
    /// thin_dump take.
    public var interval: Duration = .seconds(300)
    /// A scan's tool that runs longer is ended and the snapshot released.
    public var timeout: Duration = .seconds(120)
    public var thinLs = "thin_ls"
    public var thinDump = "thin_dump"

    public init() {}
}
