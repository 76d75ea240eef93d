import Foundation
import Testing

/// Paths and helpers shared by the CLI tests.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized
    static func fixture(_ name: String) -> String { root.appendingPathComponent("fixtures/\(name)").path }
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("golden")

    /// The thinpool-exporter binary built next to the test runner.
    static let binary: String = {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("thinpool-exporter").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return root.appendingPathComponent(".build/debug/thinpool-exporter").path
    }()
}

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the binary with `arguments` (optionally through a prefix such as setpriv).
func run(_ arguments: [String], prefix: [String] = [], environment: [String: String]? = nil) throws -> RunResult {
    let p = Process()
    let argv = prefix + [Repo.binary] + arguments
    p.executableURL = URL(fileURLWithPath: argv[0].hasPrefix("/") ? argv[0] : "/usr/bin/env")
    p.arguments = argv[0].hasPrefix("/") ? Array(argv.dropFirst()) : argv
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                     stderr: String(decoding: e, as: UTF8.self))
}

/// Compares `actual` with golden file `name`; `UPDATE_GOLDEN=1 swift test` rewrites them.
func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = Repo.golden.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(actual == expected, "differs from golden/\(name) (UPDATE_GOLDEN=1 swift test rewrites it)",
            sourceLocation: sourceLocation)
}
