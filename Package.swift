// swift-tools-version:6.1
import PackageDescription

// The house, from the core out (scripts/check-imports.py keeps each target's imports equal to
// the dependencies declared here):
//
//   core, pure, links nothing:  ThinPool (dm value types, the DeviceMapperClient protocol,
//                               parsers, pool model, capacity, docker and LVM parity),
//                               AgentConfig (policies as values), Planning (alert rules and
//                               engine, delivery and extension planners), Bolt, JSON, Exposition
//   views over the core:        PoolViews (status text and JSON)
//   edges, I/O:                 SystemIO (files, sysfs, statfs), DeviceMapper (libdevmapper and
//                               ioctls), DeviceMapperFixtures (saved dmsetup output, a test
//                               double beside the real client), Curl (libcurl), Exporter (HTTP)
//   services over the core:     PoolReader, Workloads, Alerting, Autoextend, Agent, Metrics
//   the program:                ExporterCLI (wiring), thinpool-exporter
let package = Package(
    name: "thinpool-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "thinpool-exporter", targets: ["thinpool-exporter"]),
        // The parsers of outside input, for the fuzzers (Fuzz/Package.swift).
        .library(
            name: "ThinpoolParsers",
            targets: [
                "ThinPool", "DeviceMapperFixtures", "PoolReader", "Workloads", "Bolt", "ConfigFile", "AgentConfig", "AgentConfigFile",
                "Exporter", "Metrics",
            ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: The core: pure, no I/O, no C library.

        // dm value types and the client protocol, parsers, pools, capacity, docker and LVM parity.
        .target(name: "ThinPool", dependencies: [.product(name: "SystemPackage", package: "swift-system")]),
        // The agent's policies as values (the file format is AgentConfigFile's).
        .target(name: "AgentConfig"),
        // Alert rules and state machine, delivery and extension planners: readings and time in, decisions out.
        .target(name: "Planning", dependencies: ["ThinPool", "AgentConfig"]),
        // bbolt database files (containerd's metadata), read-only.
        .target(name: "Bolt"),
        // Ordered JSON values and their text: deterministic output everywhere.
        .target(name: "JSON"),
        // Prometheus text 0.0.4 and OpenMetrics 1.0 writers: deterministic, never fail on content.
        .target(name: "Exposition"),
        // Human and JSON views of pools, shared by the CLI and the HTTP server.
        .target(name: "PoolViews", dependencies: ["ThinPool", "JSON"]),

        // MARK: Edges: the kernel, files, HTTP, libcurl.

        // A pthread lock with a condition: the one way long-lived state is shared.
        .target(name: "Locking"),
        // Files, sysfs and filesystems through typed calls (swift-system's Errno).
        // FITRIM and FS_IOC_GETFSMAP (ioctl is variadic).
        .target(name: "CFilesystemShims"),
        .target(
            name: "SystemIO", dependencies: ["ThinPool", "CFilesystemShims", .product(name: "SystemPackage", package: "swift-system")]),
        // libdevmapper, as Debian's libdevmapper-dev installs it.
        .systemLibrary(name: "CDeviceMapper", pkgConfig: "devmapper", providers: [.apt(["libdevmapper-dev"])]),
        // What Swift cannot call directly: the variadic log callback, the flexible array
        // member of struct dm_names, and raw ioctls on our own /dev/mapper/control fd.
        .target(name: "CDeviceMapperShims", dependencies: ["CDeviceMapper"]),
        // The real device-mapper: the only module that calls dm_* and dm ioctls.
        .target(
            name: "DeviceMapper",
            dependencies: [
                "ThinPool", "CDeviceMapper", "CDeviceMapperShims", "Locking", "SystemIO",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Saved dmsetup output as a device-mapper: the test double beside the real client.
        .target(name: "DeviceMapperFixtures", dependencies: ["ThinPool", "SystemIO", "Locking"]),
        // glibc's libcrypt (libxcrypt): crypt_r verifies bcrypt hashes for basic auth.
        .systemLibrary(name: "CCrypt", pkgConfig: "libcrypt", providers: [.apt(["libcrypt-dev"])]),
        // libcurl and OpenSSL's libcrypto (HMAC-SHA256), as Debian installs them.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // What Swift cannot call in libcurl (curl_easy_setopt is variadic): one whole POST.
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        // Receivers' HTTP through libcurl.
        .target(name: "Curl", dependencies: ["Alerting", "Planning", "CCurlShims"]),
        // Configuration files: YAML with every problem reported at once, with path and line.
        .target(name: "ConfigFile", dependencies: ["SystemIO", .product(name: "Yams", package: "Yams")]),
        // The agent's configuration file: pools, policies, alert rules, receivers.
        .target(name: "AgentConfigFile", dependencies: ["AgentConfig", "ConfigFile", "SystemIO"]),
        // The HTTP server and its pages.
        .target(
            name: "Exporter",
            dependencies: [
                "ThinPool", "PoolViews", "JSON", "Exposition", "CCrypt", "ConfigFile", "Locking",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Services over the core.

        // Reads pools through a DeviceMapperClient: full reads (coalesced), one pool, what changed.
        .target(name: "PoolReader", dependencies: ["ThinPool", "SystemIO", "Locking", .product(name: "Logging", package: "swift-log")]),
        // What uses the pools: docker's devicemapper metadata, containerd's, LVM.
        .target(
            name: "Workloads", dependencies: ["ThinPool", "Bolt", "SystemIO", "Locking", .product(name: "Logging", package: "swift-log")]),
        // Alerts to receivers: the service, payloads, saved state.
        .target(
            name: "Alerting",
            dependencies: [
                "AgentConfig", "Planning", "ThinPool", "JSON", "CLibCrypto", "SystemIO", "Locking",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Growing pools by themselves: the executors and the service.
        .target(
            name: "Autoextend",
            dependencies: [
                "AgentConfig", "Planning", "PoolReader", "ThinPool", "DeviceMapper", "SystemIO",
                "Workloads", "Locking", .product(name: "Logging", package: "swift-log"),
            ]),
        // Where the space went: metadata snapshots (thin_ls, thin_dump) and filesystem free extents.
        .target(
            name: "SpaceScan",
            dependencies: [
                "AgentConfig", "Planning", "PoolReader", "ThinPool", "SystemIO", "Locking", .product(name: "Logging", package: "swift-log"),
            ]),
        // The watcher: dm events and polling feed readings to observers.
        .target(
            name: "Agent",
            dependencies: [
                "PoolReader", "ThinPool", "Locking",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The metrics: each family described once, from the services' stats.
        .target(
            name: "Metrics",
            dependencies: ["Exposition", "ThinPool", "PoolReader", "Alerting", "Autoextend", "Agent", "SpaceScan", "Locking"]),

        // MARK: The program.

        // Commands and wiring; a library so tests can call it.
        .target(
            name: "ExporterCLI",
            dependencies: [
                "ThinPool", "DeviceMapper", "DeviceMapperFixtures", "PoolReader", "PoolViews", "Exporter",
                "AgentConfig", "AgentConfigFile", "Alerting", "Curl", "Agent", "ConfigFile", "Autoextend", "Metrics", "Workloads",
                "Planning", "Locking", "SystemIO", "SpaceScan",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "thinpool-exporter", dependencies: ["ExporterCLI"]),

        // MARK: Tests, one target per module.

        // Helpers shared by the test targets: processes, ports, golden files.
        .target(name: "TestSupport", dependencies: ["ThinPool", "Locking"], path: "Tests/TestSupport"),
        // A reader of the shipped fixtures with their docker root, containerd and LVM files.
        .target(
            name: "ReaderTestSupport", dependencies: ["DeviceMapperFixtures", "PoolReader", "ThinPool", "Workloads"],
            path: "Tests/ReaderTestSupport"),
        .testTarget(name: "ThinPoolTests", dependencies: ["ThinPool"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "AgentConfig", "ThinPool", "TestSupport"]),
        .testTarget(name: "BoltTests", dependencies: ["Bolt", "TestSupport"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "ExpositionTests", dependencies: ["Exposition"]),
        .testTarget(name: "PoolViewsTests", dependencies: ["PoolViews", "ThinPool", "JSON"]),
        .testTarget(name: "LockingTests", dependencies: ["Locking"]),
        .testTarget(
            name: "SystemIOTests",
            dependencies: ["SystemIO", "ThinPool", "TestSupport", .product(name: "SystemPackage", package: "swift-system")]),
        .testTarget(name: "DeviceMapperTests", dependencies: ["DeviceMapper", "ThinPool"]),
        .testTarget(name: "DeviceMapperFixturesTests", dependencies: ["DeviceMapperFixtures", "ThinPool"]),
        .testTarget(name: "ConfigFileTests", dependencies: ["ConfigFile", "TestSupport"]),
        .testTarget(name: "AgentConfigFileTests", dependencies: ["AgentConfigFile", "AgentConfig", "ConfigFile", "TestSupport"]),
        .testTarget(name: "PoolReaderTests", dependencies: ["PoolReader", "ThinPool", "Locking", "TestSupport"]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "ThinPool", "PoolReader", "DeviceMapperFixtures", "TestSupport"]),
        .testTarget(
            name: "AlertingTests",
            dependencies: [
                "Alerting", "AgentConfig", "Planning", "JSON", "SystemIO", "TestSupport", "Curl",
                .product(name: "Logging", package: "swift-log"),
            ], exclude: ["golden"]),
        .testTarget(name: "CurlTests", dependencies: ["Curl", "Alerting", "Planning", "TestSupport"]),
        .testTarget(
            name: "AutoextendTests",
            dependencies: [
                "Autoextend", "AgentConfig", "ThinPool", "PoolReader", "DeviceMapperFixtures", "Planning", "Locking",
                "TestSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "AgentTests",
            dependencies: ["Agent", "PoolReader", "ThinPool", "Locking", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "MetricsTests",
            dependencies: [
                "Metrics", "Exposition", "ThinPool", "PoolReader", "DeviceMapperFixtures", "Workloads", "Locking",
                "TestSupport", "ReaderTestSupport",
            ],
            exclude: ["golden"]),
        .testTarget(
            name: "ExporterTests",
            dependencies: [
                "Exporter", "ThinPool", "PoolReader", "PoolViews", "Metrics", "ConfigFile", "JSON", "Locking",
                "TestSupport", "ReaderTestSupport", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ExporterCLITests",
            // End to end: the built binary, run as a user runs it.
            dependencies: ["JSON", "TestSupport", "thinpool-exporter", .product(name: "Yams", package: "Yams")],
            exclude: ["golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
