import NIOCore
import NIOSSL
import Web

extension WebConfig.TLS {
    /// The NIOSSL server context for these settings: TLS 1.2 or newer, client certificates
    /// verified against client_ca_file when asked. Reads the certificate and key files now, so
    /// a bad file is an error at start (or reload), not at the first connection.
    public func makeContext() throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certFile).map { NIOSSLCertificateSource.certificate($0) }
        var c = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem)))
        c.minimumTLSVersion = minVersion == .tls13 ? .tlsv13 : .tlsv12
        if let maxVersion { c.maximumTLSVersion = maxVersion == .tls13 ? .tlsv13 : .tlsv12 }
        switch clientAuth {
        case .none:
            c.certificateVerification = .none
        case .verifyIfGiven:
            c.certificateVerification = .optionalVerification
        case .requireAndVerify:
            c.certificateVerification = .noHostnameVerification
        }
        if let clientCAFile {
            c.trustRoots = .file(clientCAFile)
            c.sendCANameList = true
        }
        return try NIOSSLContext(configuration: c)
    }

    /// What HTTPServer puts before HTTP in each accepted connection: NIOSSL's server handler on
    /// one shared context.
    public func makeServerTLS() throws -> ServerTLS {
        let context = try makeContext()
        return ServerTLS { NIOSSLServerHandler(context: context) as any ChannelHandler }
    }
}
