import Collectors
import ConfigFiles
import DeviceMapper
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Reader
import ThinPoolCore
import Web
import Workloads

/// Each parser of outside input, fed arbitrary bytes. A crash, a hang or a sanitizer report is
/// a finding; where a parser has an inverse (`description`), a parse that succeeds must
/// round-trip, or the input is reported as a logic error.
let targets: [String: @Sendable ([UInt8]) -> Void] = [
    "pool-status": { b in
        let t = text(b)
        // The in-place reader says what the field-by-field one says, or leaves the line to it.
        agrees(Array(t.utf8).withUnsafeBufferPointer { ThinPoolStatus.fast($0) }, try? ThinPoolStatus(fieldByField: t), b)
        guard let s = try? ThinPoolStatus(parsing: t) else { return }
        roundTrip(s, try? ThinPoolStatus(parsing: s.description), b)
    },
    "pool-table": { b in
        guard let t = try? ThinPoolTable(parsing: text(b)) else { return }
        roundTrip(t, try? ThinPoolTable(parsing: t.description), b)
    },
    "thin-status": { b in
        let t = text(b)
        agrees(Array(t.utf8).withUnsafeBufferPointer { ThinStatus.fast($0) }, try? ThinStatus(fieldByField: t), b)
        guard let s = try? ThinStatus(parsing: t) else { return }
        roundTrip(s, try? ThinStatus(parsing: s.description), b)
    },
    "thin-table": { b in
        guard let t = try? ThinTable(parsing: text(b)) else { return }
        roundTrip(t, try? ThinTable(parsing: t.description), b)
    },
    "dmsetup-table": { b in _ = try? DmsetupOutput.parseTargets(text(b), file: "table") },
    "dmsetup-info": { b in _ = try? DmsetupOutput.parseInfo(text(b), file: "info") },
    "dmsetup-deps": { b in _ = try? DmsetupOutput.parseDeps(text(b), file: "deps") },
    "docker-device": { b in _ = DockerRootReader.parseDevice(b) },
    "docker-container": { b in _ = DockerRootReader.containerName(configV2: b) },
    "daemon-json": { b in _ = DockerDaemonConfig.parse(Data(b)) },
    "containerd-toml": { b in _ = ContainerdDevmapperConfig.parse(text(b)) },
    "vgs": { b in _ = VolumeGroupSpace.parse(text(b)) },
    "agent-config": { b in
        var problems = ConfigProblems(file: "fuzz.yml")
        _ = AgentConfig.parse(text(b), file: "/nonexistent/fuzz.yml", problems: &problems)
        _ = problems.description
    },
    "web-config": { b in
        var problems = ConfigProblems(file: "web.yml")
        _ = WebConfig.parse(text(b), file: "/nonexistent/web.yml", problems: &problems)
        _ = problems.description
    },
    "http": { b in http(b) },
    // The space scan's outside input: /proc/self/mountinfo, thin_ls and thin_dump output, and
    // the reclaim arithmetic over whatever thin_dump said is mapped.
    "space-tools": { b in
        let t = text(b)
        _ = MountEntry.mountPoints(MountEntry.parse(t))
        _ = try? ThinUsage.parse(t)
        if let maps = try? ThinDump.mappings(t) {
            for (_, ranges) in maps {
                _ = Reclaim.reclaimable(
                    freeExtents: [(0, UInt64(b.count) << 16), (1 << 20, 1 << 30), (.max - 4096, 4096)], mapped: ranges, blockSize: 65536)
            }
        }
    },
    // containerd's bbolt files: the reader walks every bucket; the containerd reader treats
    // the same bytes as each of its three files.
    "bolt": { b in
        if let db = try? BoltDB(bytes: b) { _ = try? walk(db.root, depth: 0) }
        _ = ContainerdMetadata.inventory(ContainerdDevmapperConfig(poolName: "p"), read: { _ in b })
    },
]

func walk(_ bucket: BoltBucket, depth: Int) throws -> Int {
    var n = 0
    for (_, e) in try bucket.entries() {
        n += 1
        if case .bucket(let nested) = e, depth < 100 { n += try walk(nested, depth: depth + 1) }
    }
    return n
}

func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

/// A fast path's answer, when it gives one, is the full parser's.
func agrees<T: Equatable>(_ fast: T?, _ full: T?, _ input: [UInt8]) {
    guard let fast else { return }
    guard fast == full else {
        fatalError("the fast path read \(fast), the full parser \(full.map { "\($0)" } ?? "an error"), from \(Array(input))")
    }
}

func roundTrip<T: Equatable>(_ parsed: T, _ again: T?, _ input: [UInt8]) {
    guard again == parsed else {
        fatalError("does not round-trip: \(parsed) reparsed as \(again.map { "\($0)" } ?? "an error") from \(Array(input))")
    }
}

/// Bytes from a client: NIO's HTTP/1 decoder with the server's limits, then every request it
/// yields through the router (the demo fixture's pools, basic auth on).
func http(_ b: [UInt8]) {
    let channel = EmbeddedChannel()
    let collector = RequestCollector()
    var limits = NIOHTTPDecoderLimitConfiguration()
    limits.maxHeaderFieldSize = 16384
    limits.maxHeaderListSize = 32768
    limits.maxHeaderFieldCount = 100
    // The pipeline must be torn down on every path, or its handlers leak (a malformed request
    // throws out of writeInbound before a finish at the end would run).
    defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
    do {
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)))
        try channel.pipeline.syncOperations.addHandler(collector)
        var buffer = channel.allocator.buffer(capacity: b.count)
        buffer.writeBytes(b)
        try channel.writeInbound(buffer)
    } catch {
        // A malformed request: the server answers 400 and closes.
    }
    for r in collector.requests { _ = router.respond(to: r) }
}

final class RequestCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    var requests: [HTTPRequest] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let h) = unwrapInboundIn(data) {
            var headers: [String: String] = [:]
            for (name, value) in h.headers where headers[name.lowercased()] == nil { headers[name.lowercased()] = value }
            requests.append(HTTPRequest(method: h.method.rawValue, uri: h.uri, headers: headers))
        }
    }
}

let router: Router = {
    let dir = ProcessInfo.processInfo.environment["FUZZ_FIXTURES"] ?? "fixtures/demo"
    let reader = PoolReader(client: FixtureDeviceMapper(directory: dir), backing: NoLoopBacking())
    // user "u", password "p" at bcrypt cost 4: a wrong password stays cheap.
    let auth = BasicAuth(users: ["u": "$2b$04$m81vFbtMG8/Q4M/KZCJ3/OosmwIv/uBim9Jp/zy0LrGGRsKrfC5DW"])
    let scrapes = SharedScrapes(
        scraper: Scraper(collectors: [PoolCollector(read: { try reader.read() })], build: Scraper.Build(version: "fuzz")))
    return Router(
        telemetryPath: "/metrics", metrics: { scrapes.body($0) },
        pools: { try reader.read() }, auth: auth, version: "fuzz", logger: Logger(label: "fuzz"))
}()

nonisolated(unsafe) var selected: (@Sendable ([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let t = targets[name] else {
        FileHandle.standardError.write(Data("FUZZ_TARGET must be one of: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    selected = t
    if name == "http" { _ = router }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    selected?(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
