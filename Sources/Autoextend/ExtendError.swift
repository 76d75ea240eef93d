import SystemIO
import ThinPoolCore
import Workloads

/// Why an extension could not be made, or not be seen made.
public enum ExtendError: Error, CustomStringConvertible {
    /// The pool's data or metadata device is not a loop device (the loop executor's case).
    case notLoopDevice(pool: String, kind: SpaceKind)
    /// The pool is not an LVM thin pool (the lvm executor's case).
    case notLVM(pool: String)
    /// A file or filesystem call on the loop file failed.
    case file(FileError)
    /// A device-mapper or loop ioctl failed.
    case deviceMapper(DeviceMapperError)
    /// LOOP_SET_CAPACITY ran, but the loop device did not grow.
    case loopDidNotGrow(device: DeviceNumber, bytes: UInt64)
    /// `lvm` failed.
    case lvm(LVMCommand.Failure)
    /// `lvm vgs` did not say how much room the volume group has.
    case volumeGroupUnreadable(vg: String, output: String)
    /// The reloaded table could not be made live; the pool's state after trying to put it back.
    case notLive(pool: String, after: Restoration, cause: any Error)
    /// Re-read after the extension, the pool did not show the new size.
    case notGrown(kind: SpaceKind, expected: UInt64, actual: UInt64?)
    /// The pool grew but is not writable.
    case notWritable(bytes: UInt64, mode: PoolMode?)
    /// The pool could not be read again to verify.
    case unreadable(pool: String, cause: any Error)

    public enum Restoration: Sendable {
        case stillSuspended, oldTableRestored, oldSizeRunning
    }

    public var description: String {
        switch self {
        case .notLoopDevice(let pool, let kind): return "the \(kind.rawValue) device of \(pool) is not a loop device"
        case .notLVM(let pool): return "\(pool) is not an LVM thin pool"
        case .file(let e): return e.description
        case .deviceMapper(let e): return e.description
        case .loopDidNotGrow(let d, let b): return "loop device \(d) did not grow to \(b) bytes after LOOP_SET_CAPACITY"
        case .lvm(let e): return e.description
        case .volumeGroupUnreadable(let vg, let out): return "cannot read the free space of volume group \(vg) from `lvm vgs`: \(out)"
        case .notLive(let pool, let after, let cause):
            let state: String
            switch after {
            case .stillSuspended: state = "it is SUSPENDED: `dmsetup resume \(pool)`, or reload its old table"
            case .oldTableRestored: state = "its old table was put back"
            case .oldSizeRunning: state = "it runs on with its old size"
            }
            return "the reloaded table of pool \(pool) could not be made live (\(state)): \(cause)"
        case .notGrown(let kind, let expected, let actual):
            return "after the extension the pool reads \(actual ?? 0) bytes of \(kind.rawValue), not \(expected)"
        case .notWritable(let bytes, let mode):
            return "the pool grew to \(bytes) bytes but its mode is \(mode?.rawValue ?? "unknown"), not rw"
        case .unreadable(let pool, let cause): return "cannot read pool \(pool): \(cause)"
        }
    }
}
