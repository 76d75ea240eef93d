import Foundation
import TestSupport
import Testing

@testable import ConfigFiles

/// The YAML layer under every config file: all problems at once, with path and line.
@Suite struct ConfigNodeTests {
    @Test func everyProblemAtOnceWithPathAndLine() {
        var problems = ConfigProblems(file: "c.yml")
        let root = ConfigNode.parse(
            """
            a: 1
            b: [1, 2]
            c: soon
            nope: x
            """, problems: &problems)
        let m = root?.mapping(allowed: ["a", "b", "c"], &problems) ?? [:]
        _ = m["b"]?.string(&problems)
        _ = m["c"]?.duration(&problems)
        #expect(
            problems.description == """
                3 problems in c.yml:
                c.yml:2: b: must be a string
                c.yml:3: c: "soon" is not a duration (e.g. 500ms, 10s, 5m, 1h30m)
                c.yml:4: nope: unknown setting (expected one of a, b, c)
                """)
    }

    /// YAML itself refuses a key given twice (the whole file): said in one line, not with the
    /// file's text repeated as Yams words it.
    @Test func aKeyGivenTwice() {
        var problems = ConfigProblems(file: "c.yml")
        let root = ConfigNode.parse("x: 0\nalerts:\n  a: 1\n  b: 2\n  a: 2\n", problems: &problems)
        #expect(root == nil)
        #expect(
            problems.description == """
                1 problem in c.yml:
                c.yml:3: not valid YAML: key 'a' given twice in the mapping that starts here
                """)
    }

    @Test func durationsAndSizes() {
        #expect(parseDuration("1h30m") == .seconds(5400))
        #expect(parseDuration("250ms") == .milliseconds(250))
        #expect(parseDuration("x") == nil)
        #expect(formatDuration(.seconds(90)) == "1m30s")
        #expect(parseSize("10GiB") == 10 << 30)
        #expect(parseSize("1.5KiB") == 1536)
        #expect(parseSize("-1") == nil)
    }

    @Test func anUnreadableFileIsOneProblem() throws {
        #expect(throws: ConfigProblems.self) { try loadConfigFile("/nonexistent/c.yml") { _, _ in 1 } }
        do { _ = try loadConfigFile("/nonexistent/c.yml") { _, _ in 1 } } catch {
            #expect(error.description == "1 problem in /nonexistent/c.yml:\n/nonexistent/c.yml: cannot read: No such file or directory")
        }
    }
}
