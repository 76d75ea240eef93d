import ArgumentParser
import ConfigFile
import Exporter
import Logging
import PoolReader
import ServiceLifecycle

/// `thinpool-exporter serve` (the default command): serves the pools to Prometheus over HTTP.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve thin pool metrics to Prometheus over HTTP (the default command).",
        discussion: """
            Pages: the telemetry path (metrics; text format 0.0.4, or OpenMetrics 1.0 when the \
            scraper's Accept header asks for it), / (every pool at a glance), /api/v1/pools \
            (the pools as JSON, as `status --json`), /healthz. Stops gracefully on SIGTERM or \
            SIGINT. Exit status: 0 after a graceful stop; 71 cannot listen; 78 bad --web.config.file.
            """
    )

    @Option(name: .customLong("web.listen-address"), help: ArgumentHelp(
        "Address to listen on, repeatable: :10234 (every address, IPv6 and IPv4), 127.0.0.1:10234, [::1]:10234.",
        valueName: "ADDRESS"))
    var listenAddresses: [String] = [":10234"]

    @Option(name: .customLong("web.telemetry-path"), help: ArgumentHelp("Path under which to serve metrics.", valueName: "PATH"))
    var telemetryPath = "/metrics"

    @Option(name: .customLong("web.config.file"), help: ArgumentHelp(
        "TLS and basic auth settings (Prometheus exporter-toolkit format).", valueName: "FILE"))
    var webConfigFile: String?

    @Option(name: .customLong("web.max-connections"), help: ArgumentHelp(
        "Open connections at most; past it the connection idle longest is closed.", valueName: "N"))
    var maxConnections = 64

    @OptionGroup var source: SourceOptions
    @OptionGroup var log: LogOptions

    func validate() throws {
        for a in listenAddresses where ListenAddress(parsing: a) == nil {
            throw ValidationError("--web.listen-address: '\(a)' is not HOST:PORT (e.g. :10234, 127.0.0.1:10234, [::1]:10234)")
        }
        guard telemetryPath.hasPrefix("/"), !["/", "/api/v1/pools", "/healthz"].contains(telemetryPath) else {
            throw ValidationError("--web.telemetry-path: '\(telemetryPath)' must start with / and not be /, /api/v1/pools or /healthz")
        }
        guard (1...100_000).contains(maxConnections) else {
            throw ValidationError("--web.max-connections: must be between 1 and 100000")
        }
    }

    func run() async throws {
        let logger = log.logger("thinpool")
        var webConfig = WebConfig()
        if let webConfigFile {
            do { webConfig = try WebConfig.load(path: webConfigFile) } catch {
                printError("--web.config.file: \(error)")
                throw ExitCode(78)
            }
        }
        let tls: TLSContext?
        do { tls = try webConfig.tls.map { try $0.makeContext() } } catch {
            printError("--web.config.file \(webConfigFile ?? ""): TLS: \(error)")
            throw ExitCode(78)
        }
        let reader = try source.reader(logger: logger)
        // Say at start whether device-mapper can be read; serve either way (thinpool_up says).
        do {
            let report = try reader.read()
            logger.info("reading device-mapper", metadata: ["pools": "\(report.pools.count)", "devices": "\(report.deviceCount)",
                                                            "source": "\(source.fixtures.map { "fixtures \($0)" } ?? "kernel")"])
        } catch {
            logger.error("cannot read device-mapper; serving thinpool_up 0 until it can", metadata: ["error": "\(error)"])
        }
        let scraper = Scraper(collectors: [PoolCollector(read: { try reader.read() })], version: BuildInfo.version)
        let router = Router(telemetryPath: telemetryPath, scraper: scraper, pools: { try reader.read() },
                            auth: BasicAuth(users: webConfig.basicAuthUsers), extraHeaders: webConfig.headers,
                            version: BuildInfo.version, logger: logger)
        var limits = HTTPLimits()
        limits.maxConnections = maxConnections
        let server = HTTPServer(listenAddresses: listenAddresses.compactMap { ListenAddress(parsing: $0) },
                                router: router, limits: limits, tls: tls, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [ServiceGroupConfiguration.ServiceConfiguration(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        do {
            try await group.run()
        } catch let e as HTTPServerError {
            printError(e.description)
            throw ExitCode(71)
        }
    }
}
