import Foundation
import SystemIO
import ThinPoolCore

/// docker's Engine API on its Unix socket, for the one thing asked of it: the daemon's version
/// (GET /version, as `docker version` asks; the unversioned path every docker since 1.12
/// serves). Asked with a short timeout, never on a scrape's path (``WorkloadSources`` keeps the
/// answer until the socket is made anew, as dockerd does when it restarts).
public enum DockerAPI {
    /// dockerd's socket unless daemon.json's `hosts` names another.
    public static let defaultSocket = "/var/run/docker.sock"

    /// The version the daemon on `socket` reports, or why it could not be had.
    public static func version(socket: String, timeout: Double = 1) -> Result<DockerVersion, DockerAPIError> {
        let request = Array("GET /version HTTP/1.0\r\nHost: docker\r\nUser-Agent: thinpool-exporter\r\n\r\n".utf8)
        let answer: [UInt8]
        do { answer = try unixSocketRequest(socket, request, timeout: timeout, limit: 64 << 10) } catch {
            if error.isMissing { return .failure(DockerAPIError("no docker API socket at \(socket)")) }
            return .failure(DockerAPIError("docker's API at \(socket): \(error.reasonText)"))
        }
        return versionAnswer(answer).mapError { DockerAPIError("docker's API at \(socket) answered \($0.description)") }
    }

    /// The version in an answer to GET /version: an HTTP 200 whose body (plain or chunked) is
    /// a JSON object with a "Version" string docker's way ("17.03.2-ce"); else what it was.
    static func versionAnswer(_ bytes: [UInt8]) -> Result<DockerVersion, DockerAPIError> {
        guard let headEnd = find(bytes, [13, 10, 13, 10]) else { return .failure(DockerAPIError("no HTTP response")) }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.isEmpty ? "" : String(lines.removeFirst())
        let words = statusLine.split(separator: " ", maxSplits: 2)
        guard words.count >= 2, words[0].hasPrefix("HTTP/1."), let code = Int(words[1]) else {
            return .failure(DockerAPIError("no HTTP response (\(quoted(statusLine)))"))
        }
        guard code == 200 else { return .failure(DockerAPIError("HTTP \(code)")) }
        var body = Array(bytes[(headEnd + 4)...])
        let chunked = lines.contains { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }
        if chunked {
            guard let decoded = dechunk(body) else { return .failure(DockerAPIError("a malformed chunked body")) }
            body = decoded
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return .failure(DockerAPIError("a body that is not a JSON object"))
        }
        guard let text = object["Version"] as? String else { return .failure(DockerAPIError("no \"Version\" in its JSON")) }
        guard let version = DockerVersion(text) else {
            return .failure(DockerAPIError("a version that is not MAJOR.MINOR (\(quoted(text)))"))
        }
        return .success(version)
    }

    static func dechunk(_ b: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let end = find(Array(b[i...]), [13, 10]).map({ $0 + i }) else { return nil }
            let sizeText = String(decoding: b[i..<end], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else { return nil }
            i = end + 2
            if size == 0 { return out }
            guard i + size <= b.count else { return nil }
            out += b[i..<(i + size)]
            i += size + 2
            guard i <= b.count else { return nil }
        }
    }

    static func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    /// At most 80 characters of an answer, quoted, control characters escaped.
    static func quoted(_ s: String) -> String {
        "\"" + String(s.prefix(80)).unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : String($0) }.joined() + "\""
    }
}

/// Why docker's API gave no version: what `status` shows as the dialect's reason.
public struct DockerAPIError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
