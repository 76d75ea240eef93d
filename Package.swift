// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "thinpool-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "thinpool-exporter", targets: ["thinpool-exporter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
        // The only module that calls dm_*.
        .target(
            name: "DeviceMapper",
            dependencies: [
                "CDeviceMapper", "CDeviceMapperShims",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Pure model: parsers, units, snapshots, docker-parity capacity. No I/O.
        .target(name: "ThinPool", dependencies: ["DeviceMapper"]),
        // Reads pools through a DeviceMapper client (kernel or fixtures) into snapshots.
        .target(
            name: "PoolReader",
            dependencies: [
                "DeviceMapper", "ThinPool",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Ordered JSON values and their text: deterministic output everywhere.
        .target(name: "JSON"),
        // Human and JSON views of pools, shared by the CLI and the HTTP server.
        .target(name: "PoolViews", dependencies: ["ThinPool", "JSON"]),
        // Commands and wiring; a library so tests can call it.
        .target(
            name: "ExporterCLI",
            dependencies: [
                "DeviceMapper", "ThinPool", "PoolReader", "PoolViews", "JSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "thinpool-exporter", dependencies: ["ExporterCLI"]),
        .testTarget(name: "ThinPoolTests", dependencies: ["ThinPool", "DeviceMapper", "JSON"]),
        .testTarget(name: "DeviceMapperTests", dependencies: ["DeviceMapper", "PoolReader", "ThinPool"]),
        .testTarget(
            name: "ExporterCLITests",
            dependencies: ["ExporterCLI", "ThinPool", "PoolReader", "PoolViews", "DeviceMapper", "JSON",
                           "thinpool-exporter"],
            exclude: ["golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
