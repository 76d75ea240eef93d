// swift-tools-version:6.0
// The fuzzers: one libFuzzer binary whose target (which parser) FUZZ_TARGET chooses. Built
// by scripts/fuzz.sh: `swift build -c release --sanitize fuzzer --sanitize address
// -Xswiftc -sanitize=fuzzer,address` (the last flag gives Swift code its coverage counters).
import PackageDescription

let package = Package(
    name: "thinpool-fuzz",
    dependencies: [
        // scripts/fuzz.sh links the repository here, so its identity is thinpool-exporter
        // whatever the checkout's directory is called.
        .package(path: ".build/root/thinpool-exporter"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "thinpool-fuzz",
            dependencies: [
                .product(name: "ThinpoolParsers", package: "thinpool-exporter"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // libFuzzer provides main().
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ],
    swiftLanguageModes: [.v6]
)
