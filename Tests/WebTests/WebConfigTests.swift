import ConfigFiles
import Foundation
import TestSupport
import Testing
import Web

@Suite struct WebConfigTests {
    func write(_ files: [String: String]) throws -> String { try makeTempDir(files) }

    @Test func validConfigWithRelativePaths() throws {
        let dir = try write([
            "web.yml": """
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              min_version: TLS13
            http_server_config:
              http2: false
              headers:
                X-Frame-Options: deny
            basic_auth_users:
              prometheus: $2y$10$aaaaaaaaaaaaaaaaaaaaaOu.2RCQaC8dgrJ5zuTsJvjekNCE2D4WO
            """, "server.crt": "x", "server.key": "x", "ca.crt": "x",
        ])
        let c = try WebConfig.load(path: "\(dir)/web.yml")
        #expect(c.tls?.certFile == "\(dir)/server.crt")
        #expect(c.tls?.clientAuth == .requireAndVerify)
        #expect(c.tls?.minVersion == .tls13)
        #expect(c.basicAuthUsers["prometheus"]?.hasPrefix("$2y$") == true)
        #expect(c.headers.map(\.0) == ["X-Frame-Options"])
    }

    @Test func everyProblemIsReportedAtOnceWithPathAndLine() throws {
        let dir = try write([
            "web.yml": """
            tls_server_config:
              cert_file: missing.crt
              min_version: TLS10
              client_auth_type: RequireAnyClientCert
              cipher_suites: [TLS_AES_128_GCM_SHA256]
            basic_auth_users:
              alice: secret
            http_server_config:
              headers:
                Server: mine
            unknown_thing: 1
            """
        ])
        do {
            _ = try WebConfig.load(path: "\(dir)/web.yml")
            Issue.record("accepted a bad config")
        } catch {
            let text = error.description
            #expect(error.problems.count == 8, "\(text)")
            for fragment in [
                "web.yml:2: tls_server_config.cert_file: cannot read \(dir)/missing.crt",
                "web.yml:2: tls_server_config.key_file: required when tls_server_config is given",
                "web.yml:3: tls_server_config.min_version: TLS10 is not allowed: thinpool-exporter serves TLS 1.2 and newer only",
                "web.yml:4: tls_server_config.client_auth_type: RequireAnyClientCert is not supported",
                "web.yml:5: tls_server_config.cipher_suites: not supported",
                "web.yml:7: basic_auth_users.alice: not a bcrypt hash",
                "web.yml:10: http_server_config.headers.Server: header not allowed",
                "web.yml:11: unknown_thing: unknown setting",
            ] {
                #expect(text.contains(fragment), "missing: \(fragment)\nin:\n\(text)")
            }
        }
    }

    @Test func syntaxErrorsAndMissingFiles() throws {
        let dir = try write(["web.yml": "basic_auth_users: [unclosed\n"])
        #expect(throws: ConfigProblems.self) { try WebConfig.load(path: "\(dir)/web.yml") }
        do { _ = try WebConfig.load(path: "\(dir)/none.yml") } catch {
            #expect(error.description.contains("none.yml: cannot read"))
        }
        // An empty file is a valid, empty configuration.
        let empty = try write(["web.yml": ""])
        #expect(try WebConfig.load(path: "\(empty)/web.yml") == WebConfig())
    }
}

@Suite struct BasicAuthTests {
    // crypt("x", "$2b$10$aaaaaaaaaaaaaaaaaaaaa.") made by Python's crypt module.
    static let hashB = "$2b$10$aaaaaaaaaaaaaaaaaaaaaOu.2RCQaC8dgrJ5zuTsJvjekNCE2D4WO"

    func header(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func bcryptVariants() {
        for hash in [Self.hashB, "$2y$" + Self.hashB.dropFirst(4), "$2a$" + Self.hashB.dropFirst(4)] {
            let auth = BasicAuth(users: ["prom": String(hash)])
            #expect(auth.check(authorization: header("prom", "x")), "\(hash)")
            #expect(!auth.check(authorization: header("prom", "y")))
        }
    }

    @Test func rejects() {
        let auth = BasicAuth(users: ["prom": Self.hashB])
        #expect(!auth.check(authorization: nil))
        #expect(!auth.check(authorization: header("other", "x")))
        #expect(!auth.check(authorization: "Bearer abc"))
        #expect(!auth.check(authorization: "Basic !!!notbase64"))
        #expect(!auth.check(authorization: "Basic " + Data("nocolon".utf8).base64EncodedString()))
        #expect(!auth.check(authorization: "Basic " + String(repeating: "A", count: 10000)))
        #expect(auth.check(authorization: header("prom", "x")))
        // Remembered: the second check does not need bcrypt (and still answers the same).
        #expect(auth.check(authorization: header("prom", "x")))
    }
}
