import ConfigFiles
import Foundation

/// `--web.config.file`, in the Prometheus exporter-toolkit format: TLS and bcrypt basic auth.
///
/// ```yaml
/// tls_server_config:
///   cert_file: server.crt           # relative paths: to this file's folder
///   key_file: server.key
///   client_auth_type: RequireAndVerifyClientCert   # or NoClientCert (default),
///                                   # VerifyClientCertIfGiven
///   client_ca_file: ca.crt
///   min_version: TLS12              # TLS12 (default) or TLS13; older versions are refused
///   max_version: TLS13
/// http_server_config:
///   headers: { Strict-Transport-Security: max-age=31536000 }
/// basic_auth_users:
///   prometheus: $2y$10$...          # bcrypt (htpasswd -nBC 10 "" | tr -d ':')
/// ```
public struct WebConfig: Sendable, Equatable {
    public struct TLS: Sendable, Equatable {
        public enum ClientAuth: String, Sendable, CaseIterable {
            case none = "NoClientCert"
            case verifyIfGiven = "VerifyClientCertIfGiven"
            case requireAndVerify = "RequireAndVerifyClientCert"
        }
        public enum Version: String, Sendable, CaseIterable, Comparable {
            case tls12 = "TLS12"
            case tls13 = "TLS13"
            public static func < (a: Version, b: Version) -> Bool { a == .tls12 && b == .tls13 }
        }
        public var certFile: String
        public var keyFile: String
        public var clientAuth: ClientAuth = .none
        public var clientCAFile: String?
        public var minVersion: Version = .tls12
        public var maxVersion: Version?

        public init(certFile: String, keyFile: String) {
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    public var tls: TLS?
    /// User name -> bcrypt hash.
    public var basicAuthUsers: [String: String] = [:]
    /// Extra response headers.
    public var headers: [(String, String)] = []

    public static func == (a: WebConfig, b: WebConfig) -> Bool {
        a.tls == b.tls && a.basicAuthUsers == b.basicAuthUsers
            && a.headers.map { "\($0.0)=\($0.1)" } == b.headers.map { "\($0.0)=\($0.1)" }
    }

    public init() {}

    /// Headers exporter-toolkit allows in http_server_config.headers.
    static let allowedHeaders: Set<String> = [
        "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
        "X-XSS-Protection", "Content-Security-Policy",
    ]

    /// Loads and validates `path`; every problem is reported at once.
    public static func load(path: String) throws(ConfigProblems) -> WebConfig {
        try loadConfigFile(path) { parse($0, file: path, problems: &$1) }
    }

    public static func parse(_ text: String, file: String, problems: inout ConfigProblems) -> WebConfig? {
        guard let root = ConfigNode.parse(text, problems: &problems) else { return nil }
        var config = WebConfig()
        let top = root.mapping(allowed: ["tls_server_config", "http_server_config", "basic_auth_users"], &problems)

        if let t = top["tls_server_config"] {
            let m = t.mapping(
                allowed: [
                    "cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version",
                    "max_version", "cipher_suites", "prefer_server_cipher_suites", "curve_preferences",
                ],
                &problems)
            for unsupported in ["cipher_suites", "prefer_server_cipher_suites", "curve_preferences"] {
                if let n = m[unsupported] {
                    problems.add(
                        n.path, line: n.line, "not supported: thinpool-exporter uses BoringSSL's defaults for TLS 1.2 and 1.3; remove it")
                }
            }
            func readableFile(_ key: String, required: Bool) -> String? {
                guard let n = m[key] else {
                    if required { problems.add(t.path + "." + key, line: t.line, "required when tls_server_config is given") }
                    return nil
                }
                guard let s = n.string(&problems) else { return nil }
                let resolved = resolvePath(s, relativeTo: file)
                if !FileManager.default.isReadableFile(atPath: resolved) {
                    problems.add(n.path, line: n.line, "cannot read \(resolved)")
                }
                return resolved
            }
            let cert = readableFile("cert_file", required: true)
            let key = readableFile("key_file", required: true)
            var tls = TLS(certFile: cert ?? "", keyFile: key ?? "")
            if let n = m["client_auth_type"], let s = n.string(&problems) {
                if let a = TLS.ClientAuth(rawValue: s) {
                    tls.clientAuth = a
                } else if ["RequestClientCert", "RequireAnyClientCert"].contains(s) {
                    problems.add(
                        n.path, line: n.line,
                        "\(s) is not supported: a client certificate nobody verifies proves nothing; use RequireAndVerifyClientCert with client_ca_file"
                    )
                } else {
                    problems.add(
                        n.path, line: n.line,
                        "unknown \"\(s)\" (expected one of \(TLS.ClientAuth.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            tls.clientCAFile = readableFile("client_ca_file", required: false)
            if [.verifyIfGiven, .requireAndVerify].contains(tls.clientAuth), tls.clientCAFile == nil, m["client_ca_file"] == nil {
                problems.add(t.path + ".client_ca_file", line: t.line, "required for client_auth_type \(tls.clientAuth.rawValue)")
            }
            func version(_ key: String) -> TLS.Version? {
                guard let n = m[key], let s = n.string(&problems) else { return nil }
                if let v = TLS.Version(rawValue: s) { return v }
                problems.add(
                    n.path, line: n.line,
                    ["TLS10", "TLS11"].contains(s)
                        ? "\(s) is not allowed: thinpool-exporter serves TLS 1.2 and newer only"
                        : "unknown \"\(s)\" (expected TLS12 or TLS13)")
                return nil
            }
            if let v = version("min_version") { tls.minVersion = v }
            tls.maxVersion = version("max_version")
            if let max = tls.maxVersion, max < tls.minVersion {
                problems.add(t.path + ".max_version", line: m["max_version"]?.line, "is lower than min_version")
            }
            config.tls = tls
        }

        if let h = top["http_server_config"] {
            let m = h.mapping(allowed: ["headers", "http2"], &problems)
            if let n = m["http2"] { _ = n.bool(&problems) }  // accepted; this server speaks HTTP/1.1
            if let n = m["headers"] {
                for (name, value) in n.mapping(&problems).sorted(by: { $0.key < $1.key }) {
                    guard allowedHeaders.contains(name) else {
                        problems.add(
                            value.path, line: value.line, "header not allowed (allowed: \(allowedHeaders.sorted().joined(separator: ", ")))"
                        )
                        continue
                    }
                    if let v = value.string(&problems) { config.headers.append((name, v)) }
                }
            }
        }

        if let u = top["basic_auth_users"] {
            for (user, hashNode) in u.mapping(&problems).sorted(by: { $0.key < $1.key }) {
                guard let hash = hashNode.string(&problems) else { continue }
                if !BasicAuth.isBcryptHash(hash) {
                    problems.add(
                        hashNode.path, line: hashNode.line,
                        "not a bcrypt hash ($2y$, $2b$ or $2a$, 60 characters); make one with `htpasswd -nBC 10 \"\" | tr -d ':'`")
                    continue
                }
                if user.contains(":") {
                    problems.add(hashNode.path, line: hashNode.line, "user names cannot contain ':'")
                    continue
                }
                config.basicAuthUsers[user] = hash
            }
        }
        return config
    }
}
