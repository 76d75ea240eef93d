import NIOSSL

/// A TLS server context (NIOSSL's, named here so commands need not import NIOSSL).
public typealias TLSContext = NIOSSLContext

extension WebConfig.TLS {
    /// The NIOSSL server context for these settings: TLS 1.2 or newer, client certificates
    /// verified against client_ca_file when asked.
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
}
