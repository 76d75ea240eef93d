import Synchronization
import ThinPoolCore

extension PoolReader {
    /// A pool as a one-pool re-read assembled it from a cached table, before annotation: the
    /// next re-read whose status agrees with that table (device, event number, target) takes it
    /// and sets only what a STATUS says, instead of assembling the pool again.
    final class RereadTemplate: @unchecked Sendable {
        // The pool's name, number and uuid, stored apart from `reading` so that ``agrees(with:_:)``
        // and the lookup by name read them without touching the reading.
        let name: String
        let tableSerial: UInt64
        let eventNumber: UInt32
        let number: DeviceNumber?
        let uuid: String?
        let start: UInt64
        let length: UInt64
        /// The pool as assembled (backing attached, nothing else set yet, no capacity): a
        /// re-read takes a copy of it -- one retain -- and writes that copy.
        let reading: PoolReading
        let files: PoolTable

        /// A STATUS agrees with the table this was assembled from: the same device (number,
        /// uuid), event number and target (start and length; a thin-pool by ``PoolStatusTarget``).
        func agrees(with info: DeviceInfo, _ line: PoolStatusTarget) -> Bool {
            info.eventNumber == eventNumber && info.number == number && line.start == start && line.length == length
                && info.uuid == uuid
        }

        init(
            tableSerial: UInt64, eventNumber: UInt32, start: UInt64, length: UInt64, pool: ThinPool,
            reading: PoolReading, files: PoolTable
        ) {
            self.name = pool.name
            self.number = pool.number
            self.uuid = pool.uuid
            self.reading = reading
            self.tableSerial = tableSerial
            self.eventNumber = eventNumber
            self.start = start
            self.length = length
            self.files = files
            spare = .allocate(capacity: 1)
            spare.initialize(to: nil)
        }

        deinit {
            spare.deinitialize(count: 1)
            spare.deallocate()
        }

        // The last re-read's reading, written again by the next re-read: once its caller has
        // let it go the template holds its only reference and the next re-read writes it in
        // place instead of copying `reading`. One thread at a time holds the slot (`spareHeld`,
        // taken and given back without a lock; @unchecked Sendable is for this slot); a thread
        // that finds it held copies `reading`.
        private let spareHeld = Atomic<Bool>(false)
        private let spare: UnsafeMutablePointer<PoolReading?>

        /// `body` with the slot (nil before the first re-read), unless another thread holds
        /// it: then nil.
        func withSpare<T>(_ body: (inout PoolReading?) -> T) -> T? {
            guard spareHeld.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return nil }
            defer { spareHeld.store(false, ordering: .releasing) }
            return body(&spare.pointee)
        }
    }
}
