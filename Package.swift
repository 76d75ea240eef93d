// swift-tools-version:6.1
import PackageDescription

// The house in layers, from the core out; docs/architecture.md draws it. scripts/check-imports.py
// keeps each target's imports equal to the dependencies declared here, and every import
// pointing down: a target imports only targets of a lower layer.
//
//   0 core, pure, links nothing:  ThinPoolCore
//   1 the operating system:       SystemIO
//   2 configuration files:        ConfigFiles
//   3 edges, the kernel and HTTP: DeviceMapper, Web
//   4 services over the edges:    Reader, Workloads
//   5 services over the reader:   Alerting, Autoextend, SpaceScan
//   6 the metrics:                Collectors
//   7 the program:                CLI, thinpool-exporter
let package = Package(
    name: "thinpool-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "thinpool-exporter", targets: ["thinpool-exporter"]),
        // The parsers of outside input, for the fuzzers (Fuzz/Package.swift).
        .library(
            name: "ThinpoolParsers", targets: ["ThinPoolCore", "DeviceMapper", "ConfigFiles", "Reader", "Workloads", "Web", "Collectors"]),
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
        // MARK: 0 -- the core: pure, no I/O, no C library.

        // What a thin pool is and what its owners would say about it: the device-mapper client
        // protocol and its values, the parsers, the pool model and capacity, docker's and LVM's
        // parity, the agent's policies, the alert rules and engine, the delivery and extension
        // planners, the status text and JSON views, the exposition formats.
        .target(name: "ThinPoolCore", dependencies: [.product(name: "SystemPackage", package: "swift-system")]),

        // MARK: 1 -- the operating system.

        // Files, sysfs, filesystems, processes, threads and locks, through typed calls
        // (swift-system's Errno).
        .target(
            name: "SystemIO",
            dependencies: ["ThinPoolCore", "CFilesystemShims", .product(name: "SystemPackage", package: "swift-system")]),
        // FITRIM and FS_IOC_GETFSMAP (ioctl numbers are function-like macros; struct fsmap_head
        // ends in a flexible array member).
        .target(name: "CFilesystemShims"),

        // MARK: 2, 3 -- edges: configuration files, the kernel, HTTP.

        // The two device-mapper clients: the kernel (libdevmapper and raw dm ioctls on our own
        // /dev/mapper/control fd; the event watcher; loop devices) and saved dmsetup output.
        .target(
            name: "DeviceMapper",
            dependencies: [
                "ThinPoolCore", "SystemIO", "CDeviceMapper", "CDeviceMapperShims", .product(name: "Logging", package: "swift-log"),
            ]),
        .systemLibrary(name: "CDeviceMapper", pkgConfig: "devmapper", providers: [.apt(["libdevmapper-dev"])]),
        // What Swift cannot call directly: the variadic log callback, the flexible array member of
        // struct dm_names, and the dm ioctls on our own control fd.
        .target(name: "CDeviceMapperShims", dependencies: ["CDeviceMapper"]),
        // Configuration files: YAML with every problem at once (path and line), and the agent's
        // configuration file parsed into the core's AgentConfig.
        .target(name: "ConfigFiles", dependencies: ["ThinPoolCore", "SystemIO", .product(name: "Yams", package: "Yams")]),
        // The HTTP server, its router and pages, and the web config (TLS, basic auth).
        .target(
            name: "Web",
            dependencies: [
                "ThinPoolCore", "SystemIO", "ConfigFiles", "CCrypt",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // glibc's libcrypt (libxcrypt): crypt_r verifies bcrypt hashes for basic auth.
        .systemLibrary(name: "CCrypt", pkgConfig: "libcrypt", providers: [.apt(["libcrypt-dev"])]),

        // MARK: 4 -- services over the edges.

        // HTTPS: the web config's TLS settings as NIOSSL's server context and handler. Its own
        // target so that what needs HTTP but not TLS (the fuzzers) does not build BoringSSL.
        .target(
            name: "WebTLS",
            dependencies: [
                "Web", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),

        // Reading pools: full reads (coalesced, tables cached), one pool re-read alone, what
        // changed; and watching them (dm events or polling) for the agent's observers.
        .target(
            name: "Reader",
            dependencies: [
                "ThinPoolCore", "SystemIO", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // What uses the pools: docker's devicemapper metadata, containerd's (its bbolt files),
        // LVM (names, settings, lvs and vgs).
        .target(name: "Workloads", dependencies: ["ThinPoolCore", "SystemIO", .product(name: "Logging", package: "swift-log")]),

        // MARK: 5 -- services over the reader.

        // Readings to alerts to delivered notifications: the service, payloads, the saved
        // state, delivery over libcurl, HMAC signatures, command receivers.
        .target(
            name: "Alerting",
            dependencies: ["ThinPoolCore", "SystemIO", "CCurlShims", "CLibCrypto", .product(name: "Logging", package: "swift-log")]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // What Swift cannot call in libcurl (curl_easy_setopt is variadic): one whole POST.
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        // OpenSSL's libcrypto, for HMAC-SHA256.
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Growing pools by themselves: the planner's decisions carried out by the loop, LVM and
        // dm-reload executors, verified by re-reading.
        .target(
            name: "Autoextend",
            dependencies: [
                "ThinPoolCore", "SystemIO", "DeviceMapper", "Reader", "Workloads", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Where the space went: metadata snapshots (thin_ls, thin_dump), filesystems' free extents
        // (GETFSMAP), and trims (FITRIM) before an extension.
        .target(name: "SpaceScan", dependencies: ["ThinPoolCore", "SystemIO", "Reader", .product(name: "Logging", package: "swift-log")]),

        // MARK: 6 -- the metrics.

        // Every metric family described once, one collector per concern, registered in one list.
        .target(name: "Collectors", dependencies: ["ThinPoolCore", "SystemIO", "Reader", "Alerting", "Autoextend", "SpaceScan"]),

        // MARK: 7 -- the program.

        // The commands and the wiring; a library so tests can call it.
        .target(
            name: "CLI",
            dependencies: [
                "ThinPoolCore", "SystemIO", "DeviceMapper", "ConfigFiles", "Web", "WebTLS", "Reader", "Workloads", "Alerting", "Autoextend",
                "SpaceScan", "Collectors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["BuildStamp"]
        ),
        .executableTarget(name: "thinpool-exporter", dependencies: ["CLI"]),
        // Stamps the CLI with the version, git revision, branch, build date and Swift version.
        .plugin(name: "BuildStamp", capability: .buildTool()),

        // MARK: Tests: one target per module, the CLI's end to end.

        // Helpers shared by the test targets: processes, ports, golden files, scripted clients.
        .target(name: "TestSupport", dependencies: ["ThinPoolCore"], path: "Tests/TestSupport"),
        // A reader of the shipped fixtures with their docker root, containerd and LVM files; a
        // scripted device-mapper that raises events.
        .target(
            name: "ReaderTestSupport", dependencies: ["ThinPoolCore", "SystemIO", "DeviceMapper", "Reader", "Workloads"],
            path: "Tests/ReaderTestSupport"),
        .testTarget(name: "ThinPoolCoreTests", dependencies: ["ThinPoolCore", "TestSupport"]),
        .testTarget(
            name: "SystemIOTests",
            dependencies: ["SystemIO", "ThinPoolCore", "TestSupport", .product(name: "SystemPackage", package: "swift-system")]),
        .testTarget(name: "DeviceMapperTests", dependencies: ["DeviceMapper", "ThinPoolCore"]),
        .testTarget(
            name: "ConfigFilesTests", dependencies: ["ConfigFiles", "ThinPoolCore", "TestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "ReaderTests",
            dependencies: [
                "Reader", "ThinPoolCore", "SystemIO", "TestSupport", "ReaderTestSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "WorkloadsTests",
            dependencies: [
                "Workloads", "ThinPoolCore", "Reader", "DeviceMapper", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "AlertingTests",
            dependencies: ["Alerting", "ThinPoolCore", "SystemIO", "TestSupport", .product(name: "Logging", package: "swift-log")],
            exclude: ["golden"]),
        .testTarget(
            name: "AutoextendTests",
            dependencies: [
                "Autoextend", "ThinPoolCore", "Reader", "DeviceMapper", "SystemIO", "TestSupport", "ReaderTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "SpaceScanTests",
            dependencies: [
                "SpaceScan", "ThinPoolCore", "Reader", "SystemIO", "TestSupport", "ReaderTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "CollectorsTests",
            dependencies: [
                "Collectors", "ThinPoolCore", "Reader", "DeviceMapper", "Workloads", "SystemIO", "TestSupport", "ReaderTestSupport",
            ],
            exclude: ["golden"]),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "WebTLS", "ThinPoolCore", "Reader", "Collectors", "ConfigFiles", "SystemIO", "TestSupport", "ReaderTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CLITests",
            // End to end: the built binary, run as a user runs it.
            dependencies: ["ThinPoolCore", "TestSupport", "thinpool-exporter", .product(name: "Yams", package: "Yams")],
            exclude: ["golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
