import Testing

@testable import ThinPoolCore

/// Deterministic JSON: members in the order given, numbers exact, strings escaped.
@Suite struct JSONValueTests {
    @Test func membersKeepTheirOrderAndNumbersStayExact() {
        let v = JSONValue.object([
            "z": .uint(18_446_744_073_709_551_615), "a": .array([.bool(true), .null, .double(0.5)]),
            "s": .string("quote \" backslash \\ newline \n tab \t nul \u{0}"),
        ])
        #expect(
            v.serialized(pretty: false)
                == #"{"z":18446744073709551615,"a":[true,null,0.5],"s":"quote \" backslash \\ newline \n tab \t nul \u0000"}"#)
    }

    @Test func prettyIsTwoSpaces() {
        #expect(JSONValue.object(["a": .array([.uint(1)])]).serialized(pretty: true) == "{\n  \"a\": [\n    1\n  ]\n}\n")
    }
}
