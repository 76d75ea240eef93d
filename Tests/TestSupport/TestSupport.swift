import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Paths in the repository and the binaries the build made.
public enum Repo {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized
    public static func fixture(_ name: String) -> String { root.appendingPathComponent("fixtures/\(name)").path }

    /// The thinpool-exporter binary built next to the test runner.
    public static let binary: String = {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("thinpool-exporter").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return root.appendingPathComponent(".build/debug/thinpool-exporter").path
    }()
}

/// `git ARGS` in the repository: its output's first line.
public func git(_ arguments: [String]) throws -> String {
    let r = try runProgram("/usr/bin/git", ["-C", Repo.root.path] + arguments)
    guard r.status == 0 else { throw TestFailure("git \(arguments.joined(separator: " ")): \(r.stderr)") }
    return String(r.stdout.prefix { $0 != "\n" })
}

/// The commit checked out.
public func gitHead() throws -> String { try git(["rev-parse", "HEAD"]) }

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// stdout then stderr.
    public var output: String { stdout + stderr }
}

/// Runs a program to completion, with `input` on stdin.
public func runProgram(
    _ path: String, _ arguments: [String], input: String? = nil,
    environment: [String: String]? = nil, currentDirectory: String? = nil
) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    if let currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    if let environment { p.environment = environment }
    let out = Pipe()
    let err = Pipe()
    let inPipe = Pipe()
    p.standardOutput = out
    p.standardError = err
    if input != nil { p.standardInput = inPipe }
    try p.run()
    if let input {
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
    }
    // Read both pipes concurrently so neither fills up.
    let errData = Mutexed(Data())
    let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    return ProcessResult(
        status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
        stderr: String(decoding: errData.get(), as: UTF8.self))
}

final class Mutexed<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ v: T) { value = v }
    func set(_ v: T) {
        lock.lock()
        value = v
        lock.unlock()
    }
    func get() -> T {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

/// The path of a program the tests need; a clear failure when it is missing
/// (scripts/install-deps.sh --test installs them).
public func tool(_ name: String) throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + [
        "/usr/bin", "/usr/sbin", "/bin",
    ] {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw TestFailure("\(name) is not installed (scripts/install-deps.sh --test installs it)")
}

/// Golden files in `directory`: `UPDATE_GOLDEN=1 swift test` rewrites them.
public struct Golden: Sendable {
    public let directory: URL
    public init(_ directory: URL) { self.directory = directory }

    public func expect(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(
            actual == expected, "differs from \(url.lastPathComponent) (UPDATE_GOLDEN=1 swift test rewrites it)",
            sourceLocation: sourceLocation)
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    guard bound == 0 else { throw TestFailure("bind: \(errno)") }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A process running in the background; its stdout and stderr go to a file.
public final class Daemon: @unchecked Sendable {
    public let process = Process()
    public let logPath: String

    public init(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("daemon-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    public var pid: Int32 { process.processIdentifier }

    /// Sends `signal` and waits (up to `timeout`) for the exit status; nil if it had to be killed.
    public func stop(_ signal: Int32 = SIGTERM, timeout: Double = 10) -> Int32? {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Sends SIGKILL and waits for the process to end; true when that signal ended it.
    public func kill9() -> Bool {
        guard process.isRunning else { return false }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// GET with curl; nil when the request failed or the status was not 2xx.
public func httpGet(_ url: String, timeout: Int = 5, headers: [String] = []) -> String? {
    guard let r = try? runProgram("/usr/bin/curl", ["-sf", "--max-time", "\(timeout)"] + headers.flatMap { ["-H", $0] } + [url]),
        r.status == 0
    else { return nil }
    return r.stdout
}

/// Polls `body` until it returns non-nil or `seconds` pass.
public func waitFor<T>(_ seconds: Double, _ body: () throws -> T?) rethrows -> T? {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
        if let v = try body() { return v }
        usleep(100_000)
    } while Date() < deadline
    return nil
}

/// A blocking TCP client on raw sockets, for byte-exact requests and misbehaving clients.
public final class RawClient: @unchecked Sendable {
    public let fd: Int32

    public init(port: Int, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else {
            Glibc.close(fd)
            throw TestFailure("connect: \(errno)")
        }
    }

    deinit { Glibc.close(fd) }

    /// Closes the connection now.
    public func close() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// Sends all bytes; false when the peer has closed.
    @discardableResult
    public func send(_ s: String) -> Bool { send(Array(s.utf8)) }

    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    /// Reads until the peer closes or the timeout passes.
    public func readAll() -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads one response with a Content-Length body.
    public func readResponse() -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let text = String(decoding: out, as: UTF8.self)
            if let headEnd = text.range(of: "\r\n\r\n") {
                let head = text[..<headEnd.lowerBound].lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                if out.count >= text.utf8.distance(from: text.utf8.startIndex, to: headEnd.upperBound) + length { return text }
            }
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return String(decoding: out, as: UTF8.self) }
            out += buf[0..<n]
        }
    }

    /// Whether the peer closed (FIN, or RST after we wrote to a closed connection) within the
    /// receive timeout; a timeout means still open.
    public func peerClosed() -> Bool {
        var b: UInt8 = 0
        let n = recv(fd, &b, 1, 0)
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}

/// Tests/Tools/receiver.py running on a free port: a real HTTP webhook receiver that records
/// what it gets.
public final class Receiver: @unchecked Sendable {
    public let daemon: Daemon
    public let port: Int
    public let logPath: String
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    public init(secretFile: String? = nil, fail: Int = 0, failStatus: Int = 500, hang: Int = 0, port: Int? = nil) throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("receiver-\(UUID().uuidString).jsonl").path
        let p = try port ?? freePort()
        var args = [
            Repo.root.appendingPathComponent("Tests/Tools/receiver.py").path, "--port", "\(p)", "--log", logPath,
            "--fail", "\(fail)", "--fail-status", "\(failStatus)", "--hang", "\(hang)",
        ]
        if let secretFile { args += ["--secret-file", secretFile] }
        daemon = try Daemon("/usr/bin/python3", args)
        self.port = p
        guard waitFor(10, { daemon.log.contains("listening") ? true : nil }) != nil else {
            throw TestFailure("receiver did not start: \(daemon.log)")
        }
    }

    /// What it recorded, in order.
    public var requests: [[String: Any]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The JSON bodies of the requests it answered with 200.
    public var acceptedBodies: [Any] {
        requests.filter { ($0["status"] as? Int) == 200 }.compactMap { r in
            (r["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
        }
    }

    public func stop() { _ = daemon.stop(SIGKILL) }
    deinit { _ = daemon.stop(SIGKILL) }
}

/// A new temporary directory holding `files` (name -> contents).
public func makeTempDir(_ files: [String: String] = [:], prefix: String = "test") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files { try writeClosingOnExec("\(dir)/\(name)", text) }
    return dir
}

/// Writes `text` to `path` through an fd opened O_CLOEXEC. Foundation's write leaves its fd to
/// children that tests on other threads start meanwhile, and a file that a living process
/// holds open for writing cannot be executed (ETXTBSY): a script written here and run at once
/// then failed at random with "Text file busy".
public func writeClosingOnExec(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    var rest = Array(text.utf8)[...]
    while !rest.isEmpty {
        let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0, errno == EINTR { continue }
        guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        rest = rest.dropFirst(n)
    }
}

/// A sanitizer's report in a process's output (from its first WARNING/ERROR line), or the
/// output's end: what to show when a process the tests started exits with a sanitizer's status.
public func sanitizerReport(_ output: String) -> String {
    for marker in ["WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer"] {
        if let r = output.range(of: marker) { return String(output[r.lowerBound...].prefix(12000)) }
    }
    return String(output.suffix(4000))
}

/// Sets every file's and directory's times under `root` to an hour ago.
public func ageAll(_ root: String) throws {
    let old = Date().addingTimeInterval(-3600)
    let paths = [root] + (FileManager.default.subpaths(atPath: root) ?? []).map { root + "/" + $0 }
    for p in paths.reversed() { try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: p) }
}
