import Foundation
import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// Reads docker's devicemapper state from its data root, the way dockerd writes it:
///
///     devicemapper/metadata/<hash>         {"device_id":..,"size":..,"transaction_id":..,"initialized":..,"deleted":..}
///     devicemapper/metadata/base           the base device
///     devicemapper/metadata/deviceset-metadata  {"next_device_id":..,"BaseDeviceUUID":..,"BaseDeviceFilesystem":..}
///     image/devicemapper/layerdb/mounts/<container id>/mount-id, init-id
///     image/devicemapper/layerdb/sha256/<chain id>/cache-id
///     containers/<id>/config.v2.json       {"ID":..,"Name":"/web",..}
///
/// dockerd writes each file to a temporary name and renames it into place; a crash can leave
/// the temporary file, and a damaged disk a malformed one: such files are skipped and listed
/// in ``DockerInventory/skipped``, never fatal. Only what changed since the last read is read
/// again, so a host with thousands of layers costs a few stat calls per collection.
public final class DockerRootReader: Sendable {
    public let root: String

    private struct State: Sendable {
        var metadata = ScannedDirectory<DockerDevice>()
        var mounts = ScannedDirectory<MountIDs>()
        var images = ScannedDirectory<String>()
        var containers = ScannedDirectory<String>()
        var deviceSet: (stamp: FileStamp, filesystem: String?)?
        var filesRead = 0
    }

    struct MountIDs: Sendable, Equatable {
        var mountID: String?
        var initID: String?
    }

    private let state = Locked(State())

    public init(root: String) {
        self.root = root
    }

    /// Whether `root` looks like a docker data root using the devicemapper driver.
    public static func isDevicemapperRoot(_ root: String) -> Bool {
        FileStamp(root + "/devicemapper/metadata")?.isDirectory == true
    }

    /// docker's device prefix for the directory `path` (its <root>/devicemapper):
    /// "docker-<major>:<minor>-<inode>", with the major/minor split dockerd uses.
    public static func devicePrefix(of path: String) -> String? {
        FileStamp(path).map { devicePrefix(device: $0.status.id.device, inode: $0.status.id.inode) }
    }

    /// dockerd's formula: its major() and minor() of st_dev, not glibc's.
    public static func devicePrefix(device: UInt64, inode: UInt64) -> String {
        let major = (device >> 8) & 0xfff
        let minor = (device & 0xff) | ((device >> 12) & 0xfff00)
        return "docker-\(major):\(minor)-\(inode)"
    }

    /// How many files (device files, mount and layer directories, container configs) have been
    /// read so far: what the cache saves shows here.
    public var filesRead: Int { state.withLock { $0.filesRead } }

    /// The inventory (without daemon.json's settings, which the caller adds).
    public func read() -> DockerInventory {
        let now = Int(Date().timeIntervalSince1970)
        let dm = root + "/devicemapper"
        let layerdb = root + "/image/devicemapper/layerdb"
        return state.withLock { s in
            var read = 0
            defer { s.filesRead += read }
            s.metadata.scan(dm + "/metadata", now: now) { name, path, stamp in
                read += 1
                return Self.readDevice(name: name, path: path, stamp: stamp)
            }
            s.mounts.scan(layerdb + "/mounts", now: now) { _, path, stamp in
                guard stamp.isDirectory else { return .ignore }
                read += 1
                let ids = MountIDs(mountID: Self.readID(path + "/mount-id"), initID: Self.readID(path + "/init-id"))
                return ids.mountID == nil && ids.initID == nil ? .skip("no readable mount-id") : .value(ids)
            }
            s.images.scan(layerdb + "/sha256", now: now) { _, path, stamp in
                guard stamp.isDirectory else { return .ignore }
                read += 1
                guard let id = Self.readID(path + "/cache-id") else { return .skip("no readable cache-id") }
                return .value(id)
            }
            s.containers.scan(root + "/containers", now: now, statEveryEntry: true) { _, path, stamp in
                guard stamp.isDirectory else { return .ignore }
                read += 1
                return Self.readContainerName(path + "/config.v2.json")
            }
            let setPath = dm + "/metadata/deviceset-metadata"
            if let stamp = FileStamp(setPath) {
                if s.deviceSet?.stamp != stamp || stamp.isRecent(comparedTo: now) {
                    s.deviceSet = (stamp, Self.readBaseFilesystem(setPath))
                }
            } else {
                s.deviceSet = nil
            }

            var layers: [String: DockerLayer] = [:]
            for id in s.images.values.values { layers[id] = .image }
            for (container, ids) in s.mounts.values {
                if let m = ids.mountID { layers[m] = .container(id: container) }
                if let i = ids.initID { layers[i] = .initLayer(id: container) }
            }
            let skipped =
                (s.metadata.skipped(in: dm + "/metadata") + s.mounts.skipped(in: layerdb + "/mounts")
                + s.images.skipped(in: layerdb + "/sha256") + s.containers.skipped(in: root + "/containers"))
                .sorted { $0.path < $1.path }
            return DockerInventory(
                root: root, devicePrefix: Self.devicePrefix(of: dm), baseFilesystem: s.deviceSet?.filesystem,
                devices: s.metadata.values, layers: layers, containerNames: s.containers.values, skipped: skipped,
                dataLoopFile: fileID(dm + "/devicemapper/data"), metadataLoopFile: fileID(dm + "/devicemapper/metadata"))
        }
    }

    static func readDevice(name: String, path: String, stamp: FileStamp) -> EntryResult<DockerDevice> {
        if name.hasPrefix(".") {
            return .skip("a temporary file (dockerd writes one and renames it into place; a crash can leave it behind)")
        }
        // dockerd's own bookkeeping beside the device files, and a migrated legacy file.
        if stamp.isDirectory || name == "deviceset-metadata" || name == "transaction-metadata" || name.hasSuffix(".migrated") {
            return .ignore
        }
        guard let bytes = readSmallFile(path) else { return .skip("cannot be read") }
        switch parseDevice(bytes) {
        case .success(let d): return .value(d)
        case .failure(let why): return .skip(why.description)
        }
    }

    /// Why a docker file was not used.
    public struct FileProblem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// One devicemapper/metadata/<hash> file's contents.
    public static func parseDevice(_ bytes: [UInt8]) -> Result<DockerDevice, FileProblem> {
        func skip(_ why: String) -> Result<DockerDevice, FileProblem> { .failure(FileProblem(description: why)) }
        if bytes.isEmpty { return skip("empty (half-written?)") }
        let info: DeviceFile
        do { info = try JSONDecoder().decode(DeviceFile.self, from: Data(bytes)) } catch {
            // The decoder calls a number out of its type's range "not valid JSON" too.
            if case .dataCorrupted(let c)? = error as? DecodingError, c.codingPath.isEmpty,
                (try? JSONSerialization.jsonObject(with: Data(bytes))) != nil
            {
                return skip("not a device file: a field is out of range")
            }
            return skip(describe(error))
        }
        guard info.deviceID <= 0xffffff else { return skip("device_id \(info.deviceID) is not a 24-bit thin device id") }
        return .success(
            DockerDevice(
                deviceID: info.deviceID, size: info.size, transactionID: info.transactionID ?? 0,
                initialized: info.initialized ?? false, deleted: info.deleted ?? false))
    }

    /// dockerd's devInfo as json.Marshal writes it (older dockerd has no "deleted").
    private struct DeviceFile: Decodable {
        var deviceID: UInt32
        var size: UInt64
        var transactionID: UInt64?
        var initialized: Bool?
        var deleted: Bool?

        enum CodingKeys: String, CodingKey {
            case deviceID = "device_id"
            case size
            case transactionID = "transaction_id"
            case initialized, deleted
        }
    }

    /// A decoding error in a few words: which field, what was wrong.
    static func describe(_ error: Error) -> String {
        func path(_ c: DecodingError.Context) -> String { c.codingPath.map(\.stringValue).joined(separator: ".") }
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: return "not a device file: \"\(key.stringValue)\" is missing"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?: return "not a device file: \"\(path(c))\" has the wrong type"
        case .dataCorrupted(let c)?:
            return c.codingPath.isEmpty ? "not JSON (half-written or damaged)" : "not a device file: \"\(path(c))\" is out of range"
        default: return "not a device file: \(error)"
        }
    }

    /// The text of an id file (mount-id, init-id, cache-id), nil when missing or empty.
    static func readID(_ path: String) -> String? {
        guard let bytes = readSmallFile(path, limit: 4096) else { return nil }
        let id = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty || id.contains("/") ? nil : id
    }

    static func readContainerName(_ path: String) -> EntryResult<String> {
        guard let bytes = readSmallFile(path) else { return .skip("config.v2.json cannot be read") }
        switch containerName(configV2: bytes) {
        case .success(let name): return .value(name)
        case .failure(let why): return .skip(why.description)
        }
    }

    /// The container's name (without docker's leading "/") from its config.v2.json.
    public static func containerName(configV2 bytes: [UInt8]) -> Result<String, FileProblem> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return .failure(FileProblem(description: "config.v2.json is not a JSON object (half-written or damaged)"))
        }
        guard let name = object["Name"] as? String else { return .failure(FileProblem(description: "config.v2.json has no \"Name\"")) }
        return .success(name.hasPrefix("/") ? String(name.dropFirst()) : name)
    }

    static func readBaseFilesystem(_ path: String) -> String? {
        guard let bytes = readSmallFile(path),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return nil }
        return object["BaseDeviceFilesystem"] as? String
    }
}
