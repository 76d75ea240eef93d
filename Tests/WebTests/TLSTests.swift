import Foundation
import TestSupport
import Testing
import Web
import WebTLS

/// TLS as a user sees it: real certificates from openssl, a real curl.
@Suite(.serialized) struct TLSTests {
    /// A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all from it.
    static func certificates() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = """
            set -e
            cd \(dir)
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=prometheus 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 2>/dev/null
            openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 -subj /CN=stranger 2>/dev/null
            """
        let r = try runProgram("/bin/sh", ["-c", script])
        guard r.status == 0 else { throw TestFailure("openssl: \(r.output)") }
        return dir
    }

    func curl(_ args: [String]) throws -> ProcessResult {
        try runProgram(try tool("curl"), ["-sS", "--max-time", "5"] + args)
    }

    @Test func selfSignedCertificateWithCurlCacert() async throws {
        let dir = try Self.certificates()
        let tls = WebConfig.TLS(certFile: "\(dir)/server.crt", keyFile: "\(dir)/server.key")
        let s = try await TestServer.start(router: testRouter(), tls: try tls.makeServerTLS())
        let ok = try curl(["--cacert", "\(dir)/ca.crt", "https://127.0.0.1:\(s.port)/metrics"])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("thinpool_up 1\n"))
        // Without the CA the client refuses the certificate; plain HTTP gets nothing.
        #expect(try curl(["https://127.0.0.1:\(s.port)/metrics"]).status == 60)
        #expect(try curl(["http://127.0.0.1:\(s.port)/metrics"]).status != 0)
        // TLS 1.1 and older are refused.
        let old = try curl(["--cacert", "\(dir)/ca.crt", "--tlsv1.0", "--tls-max", "1.1", "https://127.0.0.1:\(s.port)/metrics"])
        #expect(old.status != 0)
        try await s.stop()
    }

    @Test func clientCertificatesVerifiedAgainstTheCA() async throws {
        let dir = try Self.certificates()
        var tls = WebConfig.TLS(certFile: "\(dir)/server.crt", keyFile: "\(dir)/server.key")
        tls.clientAuth = .requireAndVerify
        tls.clientCAFile = "\(dir)/ca.crt"
        let s = try await TestServer.start(router: testRouter(), tls: try tls.makeServerTLS())
        let url = "https://127.0.0.1:\(s.port)/healthz"
        let with = try curl(["--cacert", "\(dir)/ca.crt", "--cert", "\(dir)/client.crt", "--key", "\(dir)/client.key", url])
        #expect(with.status == 0 && with.output == "ok\n", "\(with.output)")
        #expect(try curl(["--cacert", "\(dir)/ca.crt", url]).status != 0, "no client certificate")
        #expect(
            try curl(["--cacert", "\(dir)/ca.crt", "--cert", "\(dir)/other.crt", "--key", "\(dir)/other.key", url]).status != 0,
            "a certificate from another CA")
        try await s.stop()
    }
}
