import ThinPoolCore

/// Whether each pool could be read, and its table's and status's state: mode, no-space policy,
/// discards, needs_check, a held metadata snapshot, its transaction id and dm event counter.
struct PoolStateMetrics: PoolMetricGroup {
    static let poolUp = MetricDescriptor(
        "thinpool_pool_up", .gauge,
        help: "1 if the pool's table and status were read and parsed, 0 if not (the log and `status --json` say why).", labels: ["pool"])
    static let blockSize = MetricDescriptor(
        "thinpool_data_block_size_bytes", .gauge, help: "Data block size (thin-pool table) in bytes: docker's Pool Blocksize.",
        labels: ["pool"]
    )
    static let lwm = MetricDescriptor(
        "thinpool_low_water_mark_bytes", .gauge,
        help: "Low water mark (thin-pool table) in bytes: the kernel raises a dm event when free data space falls to it.", labels: ["pool"])
    static let mode = MetricDescriptor(
        "thinpool_mode", .gauge,
        help:
            "Pool mode (thin-pool status: rw, ro, out_of_data_space; the words Fail and Error as fail, error): one series per mode, 1 for the current one.",
        labels: ["pool", "mode"])
    static let needsCheck = MetricDescriptor(
        "thinpool_needs_check", .gauge, help: "1 if the pool's metadata needs thin_check (thin-pool status needs_check).", labels: ["pool"])
    static let policy = MetricDescriptor(
        "thinpool_no_space_policy", .gauge,
        help: "What writes do when data space runs out (thin-pool status): queue_if_no_space or error_if_no_space, 1 for the current one.",
        labels: ["pool", "policy"])
    static let discard = MetricDescriptor(
        "thinpool_discard", .gauge,
        help: "Discard handling (thin-pool status): discard_passdown, no_discard_passdown or ignore_discard, 1 for the current one.",
        labels: ["pool", "discard"])
    static let held = MetricDescriptor(
        "thinpool_metadata_snapshot_held", .gauge, help: "1 if a metadata snapshot is held (thin-pool status held metadata root).",
        labels: ["pool"])
    static let txid = MetricDescriptor(
        "thinpool_transaction_id", .gauge, help: "Transaction id of the pool's metadata (thin-pool status).", labels: ["pool"])
    static let events = MetricDescriptor(
        "thinpool_dm_events_total", .counter,
        help: "Device-mapper events of the pool device (its event number): low water mark, mode changes, resumes.", labels: ["pool"])

    static let descriptors = [poolUp, mode, blockSize, lwm, needsCheck, policy, discard, held, txid, events]

    init(maxThinSeries: Int?) {}

    mutating func add(_ r: PoolReading, _ s: ThinPool?, to f: inout PoolFamilies) {
        let p = r.name
        f.add(Self.poolUp, [p], SampleValue(s != nil && r.error == nil))
        guard let s else { return }
        f.bytes(Self.blockSize, [p], s.table.blockSize.bytes)
        f.bytes(Self.lwm, [p], s.table.lowWaterMark.bytes(blockSize: s.table.blockSize))
        let current = s.mode
        for m in PoolMode.allCases { f.add(Self.mode, [p, m.rawValue], SampleValue(current == m)) }
        for q in [ThinPoolStatus.NoSpacePolicy.queue, .error] { f.add(Self.policy, [p, q.rawValue], SampleValue(s.noSpacePolicy == q)) }
        if let e = s.eventNumber { f.add(Self.events, [p], .integer(UInt64(e))) }
        if let w = s.status.working {
            if let n = w.needsCheck { f.add(Self.needsCheck, [p], SampleValue(n)) }
            if let d = w.discard {
                for x in [ThinPoolStatus.Discard.passdown, .noPassdown, .ignore] {
                    f.add(Self.discard, [p, x.rawValue], SampleValue(d == x))
                }
            }
            f.add(Self.held, [p], SampleValue(w.heldMetadataRoot != nil))
            f.add(Self.txid, [p], .integer(w.transactionId))
        }
    }
}
