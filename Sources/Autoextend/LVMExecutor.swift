import ThinPoolCore
import Workloads

/// An LVM thin pool (uuid LVM-..., e.g. docker direct-lvm's docker-thinpool-tpool): lvextend
/// the pool LV, or its metadata with --poolmetadatasize, after checking the VG's free space.
public struct LVMExecutor: PoolExecutor {
    public let name = "lvm"
    let lvm: LVMCommand

    public init(lvm: LVMCommand = LVMCommand()) {
        self.lvm = lvm
    }

    /// VG and LV from a dm name: "docker-thinpool-tpool" -> ("docker", "thinpool").
    public static func names(dmName: String) -> (vg: String, lv: String)? {
        guard let n = LVMName(dmName: dmName), n.layer == nil || n.layer == "tpool" else { return nil }
        return (n.vg, n.lv)
    }

    public func room(_ kind: SpaceKind, pool: ThinPool) throws(ExtendError) -> BackingRoom? {
        guard pool.uuid?.hasPrefix("LVM-") == true, let (vg, _) = Self.names(dmName: pool.name) else { return nil }
        let out = try run(VolumeGroupSpace.vgsArguments + [vg])
        let parsed = VolumeGroupSpace.parse(out)
        guard let g = parsed.groups.first(where: { $0.name == vg }) else {
            throw .volumeGroupUnreadable(vg: vg, output: parsed.problems.first ?? out)
        }
        return BackingRoom(available: g.free, granularity: g.extentSize, description: "volume group \(vg)")
    }

    public func extend(_ kind: SpaceKind, pool: ThinPool, to bytes: UInt64) throws(ExtendError) -> String {
        guard let (vg, lv) = Self.names(dmName: pool.name) else { throw .notLVM(pool: pool.name) }
        let args =
            kind == .data
            ? ["lvextend", "-L", "\(bytes)b", "\(vg)/\(lv)"]
            : ["lvextend", "--poolmetadatasize", "\(bytes)b", "\(vg)/\(lv)"]
        _ = try run(args)
        return "lvm \(args.joined(separator: " "))"
    }

    func run(_ args: [String]) throws(ExtendError) -> String {
        do { return try lvm.run(args) } catch { throw .lvm(error) }
    }
}
