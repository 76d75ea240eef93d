import ArgumentParser
import DeviceMapper
import Foundation
import Logging
import Reader
import SystemIO
import ThinPoolCore
import Workloads

/// Where pools are read from: the kernel, or a fixture directory of saved dmsetup output.
struct SourceOptions: ParsableArguments {
    @Option(
        name: .customLong("dm.fixtures"),
        help: ArgumentHelp(
            "Read pools from DIR (files 'table', 'status' and optionally 'info': the output of "
                + "`dmsetup table`, `dmsetup status`, `dmsetup info -c`) instead of the kernel.",
            valueName: "DIR"))
    var fixtures: String?

    @Option(
        name: .customLong("min-free-space"),
        help: ArgumentHelp(
            "Docker's dm.min_free_space: the percentage of data and metadata space docker keeps free (0-99; default: the config "
                + "file's, else docker's daemon.json for docker's pool, else 10).",
            valueName: "PCT"))
    var minFreeSpace: String?

    func validate() throws {
        _ = try minFreeSpacePercent()
    }

    /// The flag's value, or docker's default when it is not given.
    func minFreeSpacePercent() throws -> UInt64 {
        guard let minFreeSpace else { return PoolCapacity.defaultMinFreeSpacePercent }
        var text = Substring(minFreeSpace)
        if text.hasSuffix("%") { text.removeLast() }
        guard let value = UInt64(text), value < 100 else {
            throw ValidationError("--min-free-space: '\(minFreeSpace)' is not a percentage from 0 to 99")
        }
        return value
    }

    /// The device-mapper client these options name.
    func client(logger: Logger) -> any DeviceMapperClient {
        if let fixtures { return FixtureDeviceMapper(directory: fixtures) }
        return KernelDeviceMapper(logger: logger)
    }

    /// A reader; `percent` gives a pool's dm.min_free_space (by default the flag's value, else
    /// docker's for its pool, else 10).
    /// `longLived` (the agent): keep the out-of-space countdown (its first sight of a pool out
    /// of space is when the kernel's timer started, give or take its wake-up) and since when
    /// devices are stuck, and give the memory a large collection freed back to the kernel.
    func reader(
        logger: Logger, annotator: (any PoolAnnotator)? = nil,
        percent: (@Sendable (String, UInt64?) -> UInt64)? = nil, longLived: Bool = false
    ) throws -> PoolReader {
        let flag = minFreeSpace == nil ? nil : try minFreeSpacePercent()
        return PoolReader(
            client: client(logger: logger),
            backing: fixtures == nil ? SysfsLoopBacking() : NoLoopBacking(),
            logger: logger, minFreeSpacePercent: percent ?? { pool, own in flag ?? PoolReader.dockerMinFreeSpace(pool, own) },
            annotator: annotator, outOfSpaceProbe: fixtures == nil && longLived ? SysfsOutOfSpaceProbe() : nil,
            keepsHistory: longLived, releaseMemory: longLived ? Heap.releaseFreePages : nil)
    }
}
