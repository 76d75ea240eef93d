import Foundation
import SystemIO

/// Every problem found in a configuration file, each with its path in the file
/// (`receivers[1].url`) and line, so one run of `config check` lists them all.
public struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    public struct Problem: Sendable, Hashable {
        public var path: String
        public var line: Int?
        public var message: String
    }

    /// The file the problems are in.
    public var file: String
    public var problems: [Problem]

    public init(file: String, problems: [Problem] = []) {
        self.file = file
        self.problems = problems
    }

    public var isEmpty: Bool { problems.isEmpty }

    public mutating func add(_ path: String, line: Int?, _ message: String) {
        problems.append(Problem(path: path, line: line, message: message))
    }

    /// One line per problem: `FILE:LINE: PATH: MESSAGE`.
    public var description: String {
        let sorted = problems.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }.map(\.element)
        let lines = sorted.map { p in
            "\(file)\(p.line.map { ":\($0)" } ?? ""): \(p.path.isEmpty ? "" : "\(p.path): ")\(p.message)"
        }
        return "\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(file):\n" + lines.joined(separator: "\n")
    }
}

/// Reads `path` and parses it with `parse`, which records problems instead of throwing; throws
/// every problem at once (an unreadable file is one).
public func loadConfigFile<T>(_ path: String, parse: (String, inout ConfigProblems) -> T?) throws(ConfigProblems) -> T {
    var problems = ConfigProblems(file: path)
    let text: String
    do { text = try readTextFile(path) } catch {
        problems.add("", line: nil, "cannot read: \(error.reasonText)")
        throw problems
    }
    let value = parse(text, &problems)
    guard problems.isEmpty, let value else { throw problems }
    return value
}
