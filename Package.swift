// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "thinpool-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "thinpool-exporter", targets: ["thinpool-exporter"]),
        // The parsers of outside input, for the fuzzers (Fuzz/Package.swift).
        .library(name: "ThinpoolParsers", targets: ["ThinPool", "DeviceMapper", "PoolReader", "Workloads", "Bolt", "ConfigFile", "AgentConfig", "Exporter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libdevmapper, as Debian's libdevmapper-dev installs it.
        .systemLibrary(
            name: "CDeviceMapper",
            pkgConfig: "devmapper",
            providers: [.apt(["libdevmapper-dev"])]
        ),
        // What Swift cannot call directly: the variadic log callback, the flexible array
        // member of struct dm_names, and raw ioctls on our own /dev/mapper/control fd.
        .target(name: "CDeviceMapperShims", dependencies: ["CDeviceMapper"]),
        // Whole-file reads with open/read (Foundation's leak on empty files), used for every file.
        .target(name: "FileIO"),
        // A pthread-mutex lock ThreadSanitizer can see (Synchronization.Mutex it cannot).
        .target(name: "Locking"),
        // The only module that calls dm_*.
        .target(
            name: "DeviceMapper",
            dependencies: [
                "CDeviceMapper", "CDeviceMapperShims", "FileIO", "Locking",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Pure model: parsers, units, snapshots, docker-parity capacity. No I/O.
        .target(name: "ThinPool", dependencies: ["DeviceMapper"]),
        // Reads pools through a DeviceMapper client (kernel or fixtures) into snapshots.
        .target(
            name: "PoolReader",
            dependencies: [
                "DeviceMapper", "ThinPool", "Locking",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What uses the pools: docker's devicemapper metadata, containerd's config, LVM.
        .target(
            name: "Workloads",
            dependencies: ["ThinPool", "Bolt", "FileIO", "Locking", .product(name: "Logging", package: "swift-log")]
        ),
        // bbolt database files (containerd's metadata), read-only and pure.
        .target(name: "Bolt"),
        // Ordered JSON values and their text: deterministic output everywhere.
        .target(name: "JSON"),
        // Human and JSON views of pools, shared by the CLI and the HTTP server.
        .target(name: "PoolViews", dependencies: ["ThinPool", "DeviceMapper", "JSON"]),
        // Prometheus text 0.0.4 and OpenMetrics 1.0 writers: deterministic, never fail on content.
        .target(name: "Exposition"),
        // glibc's libcrypt (libxcrypt): crypt_r verifies bcrypt hashes for basic auth.
        .systemLibrary(name: "CCrypt", pkgConfig: "libcrypt", providers: [.apt(["libcrypt-dev"])]),
        // Configuration files: YAML with every problem reported at once, with path and line.
        .target(name: "ConfigFile", dependencies: ["FileIO", .product(name: "Yams", package: "Yams")]),
        // The agent's configuration file: pools, policies, alert rules, receivers.
        .target(name: "AgentConfig", dependencies: ["ConfigFile", "ThinPool", "FileIO"]),
        // libcurl and OpenSSL's libcrypto (HMAC-SHA256), as Debian installs them.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // What Swift cannot call in libcurl (curl_easy_setopt is variadic): one whole POST.
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        // Alert rules, the alert state machine, payloads, delivery with retries, saved state.
        .target(
            name: "Alerting",
            dependencies: [
                "AgentConfig", "ThinPool", "JSON", "Exposition", "CCurlShims", "CLibCrypto", "FileIO",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Growing pools by themselves: the planner (pure), the executors, the service.
        .target(
            name: "Autoextend",
            dependencies: [
                "AgentConfig", "Alerting", "DeviceMapper", "PoolReader", "ThinPool", "Exposition", "Workloads",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The watcher: dm events and polling feed readings to the alerting.
        .target(
            name: "Agent",
            dependencies: [
                "Alerting", "Autoextend", "PoolReader", "DeviceMapper", "ThinPool", "Exposition",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP server, its pages and the metrics it serves.
        .target(
            name: "Exporter",
            dependencies: [
                "ThinPool", "PoolReader", "PoolViews", "JSON", "Exposition", "CCrypt", "ConfigFile", "Locking",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Commands and wiring; a library so tests can call it.
        .target(
            name: "ExporterCLI",
            dependencies: [
                "DeviceMapper", "ThinPool", "PoolReader", "PoolViews", "JSON", "Exporter", "Exposition",
                "AgentConfig", "Alerting", "Agent", "ConfigFile", "Autoextend", "Workloads", "Locking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "thinpool-exporter", dependencies: ["ExporterCLI"]),
        .testTarget(name: "ThinPoolTests", dependencies: ["ThinPool", "DeviceMapper", "JSON"]),
        .testTarget(name: "BoltTests", dependencies: ["Bolt", "TestSupport"]),
        // Helpers shared by the test targets: processes, ports, golden files.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "ExporterTests",
            dependencies: ["Exporter", "Exposition", "ThinPool", "PoolReader", "DeviceMapper", "ConfigFile", "JSON", "TestSupport", "Workloads",
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            exclude: ["golden"]
        ),
        .testTarget(
            name: "AlertingTests",
            dependencies: ["Alerting", "AgentConfig", "ConfigFile", "ThinPool", "DeviceMapper", "JSON", "TestSupport", "Exposition",
                           .product(name: "Logging", package: "swift-log")],
            exclude: ["golden"]
        ),
        .testTarget(name: "AutoextendTests", dependencies: ["Autoextend", "AgentConfig", "ThinPool", "DeviceMapper", "PoolReader",
                                                           "Exposition", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "DeviceMapperTests", dependencies: ["DeviceMapper", "PoolReader", "ThinPool", "FileIO"]),
        .testTarget(
            name: "WorkloadsTests",
            dependencies: ["Workloads", "ThinPool", "PoolReader", "PoolViews", "Exporter", "Exposition", "DeviceMapper", "JSON",
                           "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ExporterCLITests",
            dependencies: ["ExporterCLI", "ThinPool", "PoolReader", "PoolViews", "DeviceMapper", "JSON", "TestSupport",
                           "thinpool-exporter", .product(name: "Yams", package: "Yams")],
            exclude: ["golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
