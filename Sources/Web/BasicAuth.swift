import CCrypt
import Foundation
import SystemIO

/// HTTP basic auth against bcrypt hashes, verified with glibc's libcrypt (libxcrypt), which
/// understands $2y$, $2b$ and $2a$. A bcrypt check costs tens of milliseconds by design, so
/// callers run it off the event loop; successes are remembered (in memory only) so a scraper
/// pays it once.
public final class BasicAuth: Sendable {
    private let users: [String: String]
    private let verified = Locked<Set<String>>([])
    /// Checked for unknown users so their answers take as long as known users'.
    private static let dummyHash = "$2b$10$gqflfiqkgZaJ3aitkAkEUuguA5H08zvsJUbIYjaK1dAsiXxBaBix6"

    public init(users: [String: String]) {
        self.users = users
    }

    public var isEnabled: Bool { !users.isEmpty }

    public static func isBcryptHash(_ s: String) -> Bool {
        s.count == 60 && (s.hasPrefix("$2y$") || s.hasPrefix("$2b$") || s.hasPrefix("$2a$"))
    }

    /// Whether an `Authorization` header value is `Basic <base64 user:password>` of a configured
    /// user. Blocking (bcrypt).
    public func check(authorization: String?) -> Bool {
        guard let authorization, authorization.count < 4096 else { return false }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1])),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { return false }
        let user = String(decoded[..<colon])
        let password = String(decoded[decoded.index(after: colon)...])
        let key = "\(user)\u{0}\(password)"
        if verified.withLock({ $0.contains(key) }) { return true }
        let hash = users[user]
        let ok = BasicAuth.verify(password: password, hash: hash ?? BasicAuth.dummyHash) && hash != nil
        if ok { verified.withLock { if $0.count < 256 { $0.insert(key) } } }
        return ok
    }

    /// crypt_r(password, hash) == hash, compared in constant time.
    static func verify(password: String, hash: String) -> Bool {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let out = crypt_r(password, hash, data) else { return false }
        let computed = Array(String(cString: out).utf8)
        let expected = Array(hash.utf8)
        guard computed.count == expected.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<computed.count { diff |= computed[i] ^ expected[i] }
        return diff == 0
    }
}
