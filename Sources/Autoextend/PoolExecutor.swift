import SystemIO
import ThinPoolCore
import Workloads

/// Grows one kind of space of one pool, one way. The caller plans, then verifies by re-reading.
public protocol PoolExecutor: Sendable {
    var name: String { get }
    /// The room this executor has for `kind` of `pool`, or nil when it cannot grow it.
    func room(_ kind: SpaceKind, pool: ThinPool) throws(ExtendError) -> BackingRoom?
    /// Grows to `bytes`; returns what it did, in words.
    func extend(_ kind: SpaceKind, pool: ThinPool, to bytes: UInt64) throws(ExtendError) -> String
}

/// The executor for a pool: as configured, or from what backs it.
public func chooseExecutor(
    _ preferred: AutoextendPolicy.Executor, kind: SpaceKind, pool: ThinPool, dm: any DeviceMapperClient,
    sysfs: Sysfs = Sysfs()
) -> (any PoolExecutor)? {
    switch preferred {
    case .lvm: return LVMExecutor()
    case .loop: return LoopExecutor(dm: dm, sysfs: sysfs)
    case .dmReload: return DMReloadExecutor(dm: dm, sysfs: sysfs)
    case .auto:
        if pool.uuid?.hasPrefix("LVM-") == true { return LVMExecutor() }
        let dev = (kind == .data ? pool.table.dataDevice : pool.table.metadataDevice).number
        if let dev, sysfs.loopBackingFile(dev) != nil { return LoopExecutor(dm: dm, sysfs: sysfs) }
        if dev != nil { return DMReloadExecutor(dm: dm, sysfs: sysfs) }
        return nil
    }
}
