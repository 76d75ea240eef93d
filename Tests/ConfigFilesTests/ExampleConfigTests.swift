import Foundation
import TestSupport
import Testing
import ThinPoolCore
import Yams

@testable import ConfigFiles

/// deploy/thinpool-exporter.yml is the complete example: it shows every key the parser knows
/// (a setting whose default is "unset" as a commented-out line), nothing the parser does not
/// know, and outside its examples (`overrides`, `receivers`) the values are the defaults.
@Suite struct ExampleConfigTests {
    static let path = Repo.root.appendingPathComponent("deploy/thinpool-exporter.yml").path

    /// The example with its commented-out settings (`# key: value`, at any depth of comment)
    /// made live, as YAML: what it shows.
    static func shown() throws -> Node {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let setting = try Regex(#"^\s*(?:- )?[a-z_]+:(?:\s.*)?$"#)
        let live = text.split(separator: "\n", omittingEmptySubsequences: false).map { raw -> String in
            // Each "# " that starts a line's text comes off, its indentation kept, while what is
            // left reads as a setting.
            var line = String(raw)
            while let hash = line.firstIndex(where: { $0 != " " }), line[hash] == "#" {
                var rest = line[line.index(after: hash)...]
                if rest.first == " " { rest = rest.dropFirst() }
                let uncommented = String(line[..<hash]) + rest
                guard (try? setting.wholeMatch(in: uncommented)) != nil || uncommented.trimmingCharacters(in: .whitespaces).hasPrefix("#")
                else { break }
                line = uncommented
            }
            return line.trimmingCharacters(in: .whitespaces).hasPrefix("#") ? "" : line
        }
        return try #require(try Yams.compose(yaml: live.joined(separator: "\n")))
    }

    /// Every mapping's keys, by path as AgentConfigKeys names them.
    static func keys(_ node: Node, _ path: String = "", into out: inout [String: Set<String>]) {
        if let m = node.mapping {
            for (k, v) in m {
                guard let key = k.string else { continue }
                out[path, default: []].insert(key)
                keys(v, path.isEmpty ? key : "\(path).\(key)", into: &out)
            }
        } else if let s = node.sequence {
            for e in s where e.mapping != nil { keys(e, path + "[]", into: &out) }
        }
    }

    @Test func itShowsEveryKeyTheParserKnowsAndNoOther() throws {
        var found: [String: Set<String>] = [:]
        Self.keys(try Self.shown(), into: &found)
        for (path, expected) in AgentConfigKeys.all.sorted(by: { $0.key < $1.key }) {
            let shown = found[path] ?? []
            #expect(
                expected.subtracting(shown).isEmpty,
                "\(path.isEmpty ? "the top level" : path): not shown: \(expected.subtracting(shown).sorted())")
        }
        for (path, shown) in found where !path.hasPrefix("overrides[].") {
            let known = AgentConfigKeys.all[path] ?? []
            #expect(shown.subtracting(known).isEmpty, "\(path): shown but unknown to the parser: \(shown.subtracting(known).sorted())")
        }
    }

    @Test func outsideItsExamplesTheValuesAreTheDefaults() throws {
        let c = try AgentConfig.load(path: Self.path)
        let d = AgentConfig()
        #expect(c.pollInterval == d.pollInterval)
        #expect(c.stateDirectory == d.stateDirectory)
        #expect(c.repeatInterval == d.repeatInterval)
        #expect(c.pools == d.pools)
        #expect(c.defaults == d.defaults)
        #expect(c.spaceScan == d.spaceScan)
        #expect(c.overrides.count == 1 && c.receivers.count == 2, "the examples")
    }

    /// The check itself can fail: a key the parser does not know is reported.
    @Test func anUnknownKeyIsAProblem() throws {
        var problems = ConfigProblems(file: "/x.yml")
        _ = AgentConfig.parse("space_scan: { enabled: true, intervall: 10s }\n", file: "/x.yml", problems: &problems)
        #expect(problems.description.contains("intervall"), "\(problems)")
    }
}
