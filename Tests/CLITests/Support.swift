import Foundation
import TestSupport

let golden = Golden(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("golden"))

/// Runs the thinpool-exporter binary (optionally through a prefix such as setpriv).
func run(_ arguments: [String], prefix: [String] = [], currentDirectory: String? = nil) throws -> ProcessResult {
    let argv = prefix + [Repo.binary] + arguments
    return try runProgram(argv[0], Array(argv.dropFirst()), currentDirectory: currentDirectory)
}
