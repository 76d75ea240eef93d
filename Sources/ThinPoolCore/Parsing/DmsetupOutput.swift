/// Parsers for the text `dmsetup` prints, as saved in a fixture directory. Errors name the file
/// and line.
public enum DmsetupOutput {
    /// One line of `dmsetup table` or `dmsetup status` (all devices):
    /// `<name>: <start> <length> <type> [<params>]`.
    public struct Line: Hashable, Sendable {
        public var name: String
        /// nil for a device without a live table (`<name>:` alone).
        public var target: Target?
    }

    /// Parses the output of `dmsetup table` or `dmsetup status` run without a device name.
    /// `file` names the file in errors ("table", "status").
    public static func parseTargets(_ text: String, file: String) throws(DeviceMapperError) -> [Line] {
        var lines: [Line] = []
        for (number, raw) in numberedLines(text) {
            let line = raw.trimmingTrailingWhitespace
            if line.isEmpty || line == "No devices found" { continue }
            let origin = "\(file):\(number)"
            // Device names may contain ':' (docker's "docker-253:0-1234-pool"), never ": ".
            guard let sep = line.firstRange(ofColonSpace: ()) else {
                throw bad(
                    origin,
                    "expected '<device name>: <start> <length> <target type> [<params>]' "
                        + "(the output of `dmsetup \(file)` run without a device name), found \"\(line)\"")
            }
            let name = String(line[..<sep.lowerBound])
            guard !name.isEmpty else { throw bad(origin, "empty device name in \"\(line)\"") }
            let rest = line[sep.upperBound...]
            if rest.allSatisfy({ $0 == " " }) {
                lines.append(Line(name: name, target: nil))
                continue
            }
            var words = rest.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            guard words.count >= 3 else {
                throw bad(origin, "device \(name): expected '<start> <length> <target type> [<params>]', found \"\(rest)\"")
            }
            guard let start = UInt64(words[0]) else {
                throw bad(origin, "device \(name): start sector \"\(words[0])\" is not a number")
            }
            guard let length = UInt64(words[1]) else {
                throw bad(origin, "device \(name): length \"\(words[1])\" is not a number")
            }
            let type = String(words[2])
            let params = words.count > 3 ? String(words.removeLast()) : ""
            lines.append(
                Line(
                    name: name,
                    target: Target(
                        start: start, length: length, type: type,
                        params: params, origin: origin)))
        }
        return lines
    }

    /// One device of `dmsetup info`.
    public struct InfoRecord: Hashable, Sendable {
        public var name: String
        public var number: DeviceNumber?
        public var eventNumber: UInt32?
        public var uuid: String?
        public var openCount: Int32?
        public var suspended: Bool?
        public var readOnly: Bool?
    }

    /// Parses `dmsetup info -c` (columns; a header line names them, as with `-o`) or plain
    /// `dmsetup info` (blocks of "Key: value" lines).
    public static func parseInfo(_ text: String, file: String = "info") throws(DeviceMapperError) -> [InfoRecord] {
        let numbered = numberedLines(text).filter { !$0.1.trimmingTrailingWhitespace.isEmpty }
        guard let first = numbered.first else { return [] }
        if first.1.hasPrefix("Name:") { return try parseInfoBlocks(numbered, file: file) }
        return try parseInfoColumns(numbered, file: file)
    }

    private static func parseInfoColumns(_ lines: [(Int, Substring)], file: String) throws(DeviceMapperError) -> [InfoRecord] {
        var rows = lines
        // `dmsetup info -c` default columns, used when the output has no header line.
        var columns = ["Name", "Maj", "Min", "Stat", "Open", "Targ", "Event", "UUID"]
        if let header = rows.first, header.1.split(separator: " ").first == "Name" {
            columns = header.1.split(separator: " ").map(String.init)
            rows.removeFirst()
        }
        let known: Set<String> = ["Name", "Maj", "Min", "Stat", "Open", "Targ", "Event", "UUID"]
        var records: [InfoRecord] = []
        for (number, line) in rows {
            let origin = "\(file):\(number)"
            let fields = line.split(separator: " ")
            if line.trimmingTrailingWhitespace == "No devices found" { continue }
            // The UUID column is blank for devices without one.
            let expected = columns.last == "UUID" ? (columns.count - 1)...columns.count : columns.count...columns.count
            guard expected.contains(fields.count) else {
                throw bad(
                    origin,
                    "expected \(columns.count) columns (\(columns.joined(separator: " "))), found \(fields.count): \"\(line.trimmingTrailingWhitespace)\""
                )
            }
            var r = InfoRecord(name: "")
            var major: UInt32?
            var minor: UInt32?
            for (i, column) in columns.enumerated() where known.contains(column) {
                guard i < fields.count else { continue }
                let value = fields[i]
                func number<T: FixedWidthInteger>(_: T.Type) throws(DeviceMapperError) -> T {
                    guard let n = T(value) else {
                        throw bad(origin, "column \(column): \"\(value)\" is not a number")
                    }
                    return n
                }
                switch column {
                case "Name": r.name = String(value)
                case "Maj": major = try number(UInt32.self)
                case "Min": minor = try number(UInt32.self)
                case "Event": r.eventNumber = try number(UInt32.self)
                case "Open": r.openCount = try number(Int32.self)
                case "UUID": r.uuid = String(value)
                case "Stat":
                    // e.g. "L--w": live table, inactive table, suspended, read-only/writable.
                    guard value.count == 4, let last = value.last, last == "r" || last == "w" else {
                        throw bad(origin, "column Stat: \"\(value)\" is not like L--w")
                    }
                    r.suspended = value.dropFirst(2).first == "s"
                    r.readOnly = last == "r"
                default: break
                }
            }
            if let major, let minor { r.number = DeviceNumber(major: major, minor: minor) }
            records.append(r)
        }
        return records
    }

    private static func parseInfoBlocks(_ lines: [(Int, Substring)], file: String) throws(DeviceMapperError) -> [InfoRecord] {
        var records: [InfoRecord] = []
        for (number, line) in lines {
            let origin = "\(file):\(number)"
            guard let colon = line.firstIndex(of: ":") else {
                throw bad(origin, "expected 'Key: value' (the output of `dmsetup info`), found \"\(line)\"")
            }
            let key = line[..<colon]
            let value = line[line.index(after: colon)...].trimmingLeadingSpaces.trimmingTrailingWhitespace
            if key == "Name" {
                records.append(InfoRecord(name: String(value)))
                continue
            }
            guard !records.isEmpty else { throw bad(origin, "\"\(key)\" before the first Name:") }
            switch key {
            case "Major, minor":
                let parts = value.split(separator: ",").map { $0.trimmingLeadingSpaces }
                guard parts.count == 2, let ma = UInt32(parts[0]), let mi = UInt32(parts[1]) else {
                    throw bad(origin, "Major, minor: \"\(value)\" is not like \"253, 0\"")
                }
                records[records.count - 1].number = DeviceNumber(major: ma, minor: mi)
            case "Event number":
                guard let e = UInt32(value) else { throw bad(origin, "Event number: \"\(value)\" is not a number") }
                records[records.count - 1].eventNumber = e
            case "Open count":
                guard let o = Int32(value) else { throw bad(origin, "Open count: \"\(value)\" is not a number") }
                records[records.count - 1].openCount = o
            case "UUID": records[records.count - 1].uuid = String(value)
            case "State":
                records[records.count - 1].suspended = value.hasPrefix("SUSPENDED")
                records[records.count - 1].readOnly = value.hasSuffix("(READ-ONLY)")
            default: break
            }
        }
        return records
    }

    /// Parses `dmsetup deps` (all devices): `<name>: <n> dependencies\t: (254, 12) (7, 1)`.
    public static func parseDeps(_ text: String, file: String = "deps") throws(DeviceMapperError) -> [String: [DeviceNumber]] {
        var result: [String: [DeviceNumber]] = [:]
        for (number, raw) in numberedLines(text) {
            let line = raw.trimmingTrailingWhitespace
            if line.isEmpty { continue }
            let origin = "\(file):\(number)"
            guard let sep = line.firstRange(ofColonSpace: ()), let open = line.firstIndex(of: "(") ?? Optional(line.endIndex) else {
                throw bad(origin, "expected '<name>: <n> dependencies : (<major>, <minor>) ...', found \"\(line)\"")
            }
            let name = String(line[..<sep.lowerBound])
            var devices: [DeviceNumber] = []
            for group in line[open...].split(separator: "(").map({ $0.prefix { $0 != ")" } }) where !group.isEmpty {
                let parts = group.split(separator: ",").map { $0.trimmingLeadingSpaces }
                guard parts.count == 2, let ma = UInt32(parts[0]), let mi = UInt32(parts[1]) else {
                    throw bad(origin, "device \(name): \"(\(group))\" is not like (254, 0)")
                }
                devices.append(DeviceNumber(major: ma, minor: mi))
            }
            result[name] = devices
        }
        return result
    }

    private static func numberedLines(_ text: String) -> [(Int, Substring)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { ($0.offset + 1, $0.element) }
    }

    private static func bad(_ origin: String, _ message: String) -> DeviceMapperError {
        DeviceMapperError(.badFixture, .readFixture, detail: "\(origin): \(message)")
    }
}

extension Substring {
    /// The first ": ", or a ':' ending the line.
    func firstRange(ofColonSpace: Void) -> Range<Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i] == ":" {
                let next = index(after: i)
                if next == endIndex || self[next] == " " { return i..<(next == endIndex ? next : index(after: next)) }
            }
            i = index(after: i)
        }
        return nil
    }
}

extension StringProtocol {
    var trimmingTrailingWhitespace: SubSequence {
        var end = endIndex
        while end > startIndex {
            let before = index(before: end)
            guard self[before] == " " || self[before] == "\t" || self[before] == "\r" else { break }
            end = before
        }
        return self[startIndex..<end]
    }

    var trimmingLeadingSpaces: SubSequence {
        var start = startIndex
        while start < endIndex, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        return self[start..<endIndex]
    }
}
