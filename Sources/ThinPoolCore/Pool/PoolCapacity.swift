/// Data or metadata space of a pool, in bytes and blocks.
public struct Space: Hashable, Sendable {
    public var usedBlocks: UInt64
    public var totalBlocks: UInt64
    public var used: Bytes
    public var total: Bytes
    /// total - used, capped (as docker does) by the free space of the filesystem holding the
    /// loop file behind the device.
    public var available: Bytes
    /// Whether `available` was lowered to the backing filesystem's free space.
    public var availableLimitedByBacking: Bool

    public var freeBlocks: UInt64 { totalBlocks - usedBlocks }
    /// used / total, 0...1.
    public var usedRatio: Double { Double(usedBlocks) / Double(totalBlocks) }
}

/// The numbers `docker info` shows for a devicemapper pool, computed the way moby's
/// daemon/graphdriver/devmapper (DeviceSet.Status, poolHasFreeSpace) computes them, plus the
/// kernel's watermarks in bytes.
public struct PoolCapacity: Hashable, Sendable {
    /// Docker's default dm.min_free_space.
    public static let defaultMinFreeSpacePercent: UInt64 = 10

    /// Pool Blocksize.
    public var blockSize: Bytes
    public var data: Space
    public var metadata: Space
    /// The dm.min_free_space percentage these numbers use.
    public var minFreeSpacePercent: UInt64
    /// Thin Pool Minimum Free Space: total data blocks x percent / 100, in bytes.
    public var minFreeSpace: Bytes
    /// Free data blocks below which docker refuses to create a device: max(1, total x percent
    /// / 100); 0 when percent is 0 (docker then never refuses).
    public var minFreeDataBlocks: UInt64
    /// The same for metadata blocks.
    public var minFreeMetadataBlocks: UInt64
    /// The table's low water mark in bytes.
    public var lowWaterMark: Bytes
    /// The status's metadata low watermark in bytes (nil on kernels that omit it).
    public var metadataLowWatermark: Bytes?

    /// Docker would refuse a new container or image layer right now for lack of data space.
    public var dockerRefusesData: Bool { data.freeBlocks < minFreeDataBlocks }
    /// ... for lack of metadata space.
    public var dockerRefusesMetadata: Bool { metadata.freeBlocks < minFreeMetadataBlocks }
    public var dockerRefuses: Bool { dockerRefusesData || dockerRefusesMetadata }

    /// Free data blocks are at or below the low water mark: the kernel raises its event when
    /// an allocation finds them so.
    public var atLowWaterMark: Bool { data.freeBlocks <= lowWaterMark.rawValue / blockSize.rawValue }

    /// Computes the capacity of a working pool.
    ///
    /// - Parameters:
    ///   - minFreeSpacePercent: docker's dm.min_free_space, 0..<100.
    ///   - dataBackingFree / metadataBackingFree: free bytes of the filesystem holding the loop
    ///     file behind the data / metadata device, when it is one.
    public static func compute(
        table: ThinPoolTable, length: Sectors, status: ThinPoolStatus.Working,
        minFreeSpacePercent: UInt64 = defaultMinFreeSpacePercent,
        dataBackingFree: Bytes? = nil, metadataBackingFree: Bytes? = nil
    ) throws(CapacityError) -> PoolCapacity {
        guard minFreeSpacePercent < 100 else { throw .percentOutOfRange(minFreeSpacePercent) }
        let totalData = status.totalData.rawValue
        // Docker derives the block size as table length / total data blocks; the table states
        // it exactly. They agree whenever the length is a whole number of blocks (always, for
        // pools docker and LVM create); where they do not, the table's is the kernel's truth.
        let blockSectors = table.blockSize
        guard let blockBytes = blockSectors.bytes else { throw .overflow("data block size") }
        guard let dataUsed = status.usedData.bytes(blockSize: blockSectors) else { throw .overflow("used data") }
        guard let dataTotal = status.totalData.bytes(blockSize: blockSectors) else { throw .overflow("total data") }
        guard let metaUsed = status.usedMetadata.bytes else { throw .overflow("used metadata") }
        guard let metaTotal = status.totalMetadata.bytes else { throw .overflow("total metadata") }
        guard let lwm = table.lowWaterMark.bytes(blockSize: blockSectors) else { throw .overflow("low water mark") }
        let metaLwm: Bytes?
        if let l = status.metadataLowWatermark {
            guard let b = l.bytes else { throw .overflow("metadata low watermark") }
            metaLwm = b
        } else {
            metaLwm = nil
        }

        func space(_ usedBlocks: UInt64, _ totalBlocks: UInt64, _ used: Bytes, _ total: Bytes, _ backing: Bytes?) -> Space {
            var available = Bytes(total.rawValue - used.rawValue)
            var limited = false
            if let backing, backing < available {
                available = backing
                limited = true
            }
            return Space(
                usedBlocks: usedBlocks, totalBlocks: totalBlocks, used: used, total: total,
                available: available, availableLimitedByBacking: limited)
        }

        let minFreeData = percentOf(totalData, minFreeSpacePercent)
        guard let minFree = DataBlocks(minFreeData).bytes(blockSize: blockSectors) else {
            throw .overflow("minimum free space")
        }
        let refuseData = minFreeSpacePercent == 0 ? 0 : max(1, minFreeData)
        let refuseMeta =
            minFreeSpacePercent == 0
            ? 0 : max(1, percentOf(status.totalMetadata.rawValue, minFreeSpacePercent))

        return PoolCapacity(
            blockSize: blockBytes,
            data: space(status.usedData.rawValue, totalData, dataUsed, dataTotal, dataBackingFree),
            metadata: space(
                status.usedMetadata.rawValue, status.totalMetadata.rawValue, metaUsed, metaTotal,
                metadataBackingFree),
            minFreeSpacePercent: minFreeSpacePercent,
            minFreeSpace: minFree,
            minFreeDataBlocks: refuseData,
            minFreeMetadataBlocks: refuseMeta,
            lowWaterMark: lwm,
            metadataLowWatermark: metaLwm
        )
    }
}

extension ThinPool {
    /// This pool's capacity (``PoolCapacity/compute(table:length:status:minFreeSpacePercent:dataBackingFree:metadataBackingFree:)``)
    /// into `capacity`, or why it has none into `error` (nil for both: a status without
    /// counters, Fail or Error). The only way a pool's capacity is computed. `mutating` though
    /// it changes nothing: a mutating method gets the pool's address, so a reading computes its
    /// capacity where its pool lies (``PoolReading``); called any other way -- a plain method,
    /// through `!` or `if let` -- Swift copies the pool first.
    mutating func writeCapacity(minFreeSpacePercent: UInt64, into capacity: inout PoolCapacity?, _ error: inout PoolError?) {
        guard case .working(let w) = status else {
            capacity = nil
            error = nil
            return
        }
        do {
            capacity = try PoolCapacity.compute(
                table: table, length: length, status: w, minFreeSpacePercent: minFreeSpacePercent,
                dataBackingFree: dataBacking?.filesystemFree, metadataBackingFree: metadataBacking?.filesystemFree)
            error = nil
        } catch let e {
            // Keep the pool: mode and table are still worth reporting.
            capacity = nil
            error = .capacity(e)
        }
    }
}

/// Capacity numbers that cannot be computed.
public enum CapacityError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A byte count does not fit in 64 bits.
    case overflow(String)
    /// dm.min_free_space must be 0..<100 (docker refuses 100 and more).
    case percentOutOfRange(UInt64)

    public var description: String {
        switch self {
        case .overflow(let what): return "\(what) in bytes does not fit in 64 bits"
        case .percentOutOfRange(let p): return "minimum free space \(p)% is out of range (0-99)"
        }
    }
}
