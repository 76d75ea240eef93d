import Alerting
import ArgumentParser
import Autoextend
import Collectors
import ConfigFiles
import DeviceMapper
import Logging
import Reader
import ServiceLifecycle
import SpaceScan
import SystemIO
import ThinPoolCore
import Web
import WebTLS
import Workloads

/// `thinpool-exporter serve` (the default command): serves the pools to Prometheus over HTTP
/// and, with a configuration file, alerts receivers.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve thin pool metrics to Prometheus over HTTP and alert receivers (the default command).",
        discussion: """
            Pages: the telemetry path (metrics; text format 0.0.4, or OpenMetrics 1.0 when the \
            scraper's Accept header asks for it), / (every pool at a glance), /api/v1/pools \
            (the pools as JSON, as `status --json`), /healthz. With --config.file the agent \
            watches the pools (dm events, and every poll_interval) and notifies its receivers; \
            SIGHUP reloads the file. Stops gracefully on SIGTERM or SIGINT. Exit status: 0 \
            after a graceful stop; 71 cannot listen; 78 a bad --config.file or --web.config.file.
            """
    )

    @Option(
        name: .customLong("web.listen-address"),
        help: ArgumentHelp(
            "Address to listen on, repeatable: :10234 (every address, IPv6 and IPv4), 127.0.0.1:10234, [::1]:10234.",
            valueName: "ADDRESS"))
    var listenAddresses: [String] = [":10234"]

    @Option(name: .customLong("web.telemetry-path"), help: ArgumentHelp("Path under which to serve metrics.", valueName: "PATH"))
    var telemetryPath = "/metrics"

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp(
            "TLS and basic auth settings (Prometheus exporter-toolkit format).", valueName: "FILE"))
    var webConfigFile: String?

    @Option(
        name: .customLong("web.max-connections"),
        help: ArgumentHelp(
            "Open connections at most; past it the connection idle longest is closed.", valueName: "N"))
    var maxConnections = 64

    @Option(
        name: .customLong("web.external-url"),
        help: ArgumentHelp(
            "The exporter's URL as receivers should link to it (default http://HOST:PORT/).", valueName: "URL"))
    var externalURL: String?

    @Option(
        name: .customLong("config.file"),
        help: ArgumentHelp(
            "Pools, alert rules and receivers (YAML; see deploy/thinpool-exporter.yml). SIGHUP reloads it.", valueName: "FILE"))
    var configFile: String?

    @Option(
        name: .customLong("dm.events"),
        help: ArgumentHelp(
            "How to learn that a pool changed: auto, arm-poll, wait-event or poll.", valueName: "SOURCE"))
    var events = "auto"

    @Option(
        name: .customLong("thin.max-series"),
        help: ArgumentHelp(
            "Per pool, how many thin volumes get their own series (the largest by mapped bytes); the rest are summed "
                + "into device=\"__other__\". A number, or 'unlimited'.", valueName: "N"))
    var thinMaxSeries = "\(PoolMetrics.defaultMaxThinSeries)"

    @OptionGroup var source: SourceOptions
    @OptionGroup var workloads: WorkloadOptions
    @OptionGroup var log: LogOptions

    /// --thin.max-series as a limit; nil: unlimited.
    func maxThinSeries() throws -> Int? {
        if thinMaxSeries == "unlimited" { return nil }
        guard let n = Int(thinMaxSeries), n >= 0 else {
            throw ValidationError("--thin.max-series: '\(thinMaxSeries)' is not a number of series (0 or more) or 'unlimited'")
        }
        return n
    }

    func validate() throws {
        _ = try maxThinSeries()
        for a in listenAddresses where ListenAddress(parsing: a) == nil {
            throw ValidationError("--web.listen-address: '\(a)' is not HOST:PORT (e.g. :10234, 127.0.0.1:10234, [::1]:10234)")
        }
        guard telemetryPath.hasPrefix("/"), !["/", "/api/v1/pools", "/healthz"].contains(telemetryPath) else {
            throw ValidationError("--web.telemetry-path: '\(telemetryPath)' must start with / and not be /, /api/v1/pools or /healthz")
        }
        guard (1...100_000).contains(maxConnections) else {
            throw ValidationError("--web.max-connections: must be between 1 and 100000")
        }
        guard EventSource(rawValue: events) != nil else {
            throw ValidationError("--dm.events: '\(events)' is not one of auto, arm-poll, wait-event, poll")
        }
    }

    func run() async throws {
        // Two malloc arenas, not one per answering thread: glibc's per-thread arenas hold on to
        // the memory a large collection frees, once per thread that answered a scrape.
        Heap.limitArenas(2)
        let logger = log.logger("thinpool")
        var webConfig = WebConfig()
        if let webConfigFile {
            do { webConfig = try WebConfig.load(path: webConfigFile) } catch {
                printError("--web.config.file: \(error)")
                throw ExitCode(78)
            }
        }
        var agentConfig = AgentConfig()
        if let configFile {
            do { agentConfig = try AgentConfig.load(path: configFile) } catch {
                printError("--config.file: \(error)")
                throw ExitCode(78)
            }
        }
        let tls: ServerTLS?
        do { tls = try webConfig.tls.map { try $0.makeServerTLS() } } catch {
            printError("--web.config.file \(webConfigFile ?? ""): TLS: \(error)")
            throw ExitCode(78)
        }
        // The config's dm.min_free_space per pool, unless --min-free-space says otherwise.
        let current = Locked(agentConfig)
        let flag = source.minFreeSpace == nil ? nil : try source.minFreeSpacePercent()
        // What the space scan finds is set into the readings once the scanner (which reads
        // through this reader) exists.
        let spaceSlot = AnnotatorSlot()
        let reader = try source.reader(
            logger: logger,
            annotator: Annotators([
                workloads.sources(fixtures: source.fixtures, logger: logger, configuredVersion: agentConfig.dockerVersion), spaceSlot,
            ]),
            percent: { pool, own in
                flag ?? current.withLock { $0.policy(for: pool).minFreeSpacePercent } ?? PoolReader.dockerMinFreeSpace(pool, own)
            }, longLived: true)
        do {
            let report = try reader.read()
            logger.info(
                "reading device-mapper",
                metadata: [
                    "pools": "\(report.pools.count)", "devices": "\(report.deviceCount)",
                    "source": "\(source.fixtures.map { "fixtures \($0)" } ?? "kernel")",
                ])
        } catch {
            logger.error("cannot read device-mapper; serving thinpool_up 0 until it can", metadata: ["error": "\(error)"])
        }

        let addresses = listenAddresses.compactMap { ListenAddress(parsing: $0) }
        let first = addresses[0]
        let everywhere = first.host == "::" || first.host == "0.0.0.0"
        let external = externalURL ?? (everywhere ? "http://\(agentConfig.host):\(first.port)/" : "http://\(first)/")
        let alerting = AlertingService(
            config: agentConfig, store: configFile == nil ? nil : StateStore(directory: agentConfig.stateDirectory),
            poster: CurlPoster(), context: Payloads.Context(host: agentConfig.host, externalURL: external),
            logger: logger)
        alerting.start()
        defer { alerting.stop() }
        var makeEventWatcher: (@Sendable () throws(DeviceMapperError) -> any DeviceEventWatcher)?
        if source.fixtures == nil {
            makeEventWatcher = { () throws(DeviceMapperError) -> any DeviceEventWatcher in try KernelEventWatcher() }
        }
        // The space scan: the agent's (a config file), on the kernel's pools only.
        let scanner = SpaceScanner(
            reader: reader, settings: agentConfig.spaceScan, watches: { pool in current.withLock { $0.watches(pool) } },
            stateDirectory: agentConfig.stateDirectory, logger: logger)
        if configFile != nil, source.fixtures == nil {
            spaceSlot.set(scanner)
            scanner.start()
        }
        defer { scanner.stop() }
        // Autoextend acts through the kernel's device-mapper, never on a fixture: there it
        // refuses, with that reason, where it would act.
        let autoextender = Autoextender(
            reader: reader, dm: reader.client, alerts: alerting,
            policy: { pool in current.withLock { $0.policy(for: pool).autoextend } }, logger: logger,
            cannotAct: source.fixtures.map { "pools read from --dm.fixtures \($0) cannot be extended" },
            trimmer: configFile != nil && source.fixtures == nil ? scanner : nil)
        autoextender.start()
        defer { autoextender.stop() }
        let watcher = PoolWatcher(
            reader: reader, observers: [alerting, autoextender], pollInterval: agentConfig.pollInterval,
            events: EventSource(rawValue: events) ?? .auto,
            makeEventWatcher: makeEventWatcher, logger: logger)

        let scraper = Scraper(
            collectors: CollectorRegistry.collectors(
                reader: reader, maxThinSeries: try maxThinSeries(), alerting: alerting, watcher: watcher, autoextender: autoextender,
                scanner: scanner),
            build: Scraper.Build(
                version: BuildInfo.version, revision: BuildInfo.revision, branch: BuildInfo.branch, buildDate: BuildInfo.buildDate,
                swiftVersion: BuildInfo.swiftVersion))
        let scrapes = SharedScrapes(scraper: scraper)
        var router = Router(
            telemetryPath: telemetryPath, metrics: { scrapes.body($0) }, pools: { try reader.read() },
            auth: BasicAuth(users: webConfig.basicAuthUsers), extraHeaders: webConfig.headers,
            version: BuildInfo.version, logger: logger)
        router.agentView = {
            let stats = alerting.stats
            return PoolAgentView.byPool(firing: stats.firing, forecasts: stats.forecasts)
        }
        var limits = HTTPLimits()
        limits.maxConnections = maxConnections
        let server = HTTPServer(listenAddresses: addresses, router: router, limits: limits, tls: tls, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server), .init(service: watcher)]
        if let configFile {
            services.append(
                .init(
                    service: ConfigReloader(
                        path: configFile,
                        apply: { config in
                            current.withLock { $0 = config }
                            alerting.reload(config)
                            watcher.update(pollInterval: config.pollInterval)
                            scanner.update(settings: config.spaceScan, watches: { pool in current.withLock { $0.watches(pool) } })
                        }, logger: logger)))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        do {
            try await group.run()
        } catch let e as HTTPServerError {
            printError(e.description)
            throw ExitCode(71)
        }
    }
}
