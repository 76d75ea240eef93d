import ThinPoolCore

/// A pool of 1000 data blocks (64 KiB each) and 1000 metadata blocks, read at one moment: the
/// reading the planners' and alerting's tests feed in.
public func sampleReading(
    _ pool: String = "p", used: UInt64, metaUsed: UInt64 = 100, mode: String = "rw",
    needsCheck: Bool = false, lwm: UInt64 = 0, fail: Bool = false, uuid: String? = nil
) -> PoolReading {
    let status: ThinPoolStatus =
        fail
        ? .fail
        : try! ThinPoolStatus(
            parsing:
                "0 \(metaUsed)/1000 \(used)/1000 - \(mode) discard_passdown queue_if_no_space \(needsCheck ? "needs_check" : "-") 100")
    let thinPool = ThinPool(
        name: pool, uuid: uuid, number: DeviceNumber(major: 254, minor: 0), eventNumber: 1,
        length: Sectors(128_000), table: try! ThinPoolTable(parsing: "7:0 7:1 128 \(lwm) 0"), status: status)
    return PoolReading(pool: thinPool, minFreeSpacePercent: 10)
}
