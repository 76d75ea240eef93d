/// Names pools and thin volumes by what uses them (docker, containerd, LVM). PoolReader calls
/// it on every read, before capacity is computed (docker's dm.min_free_space depends on it).
public protocol PoolAnnotator: Sendable {
    /// Every pool, with its thin volumes (a full read).
    func annotate(_ pools: inout [ThinPool])
    /// One pool without its thin volumes (the fast path): the owner the last full read found.
    func annotate(pool: inout ThinPool)
}
