import Logging
import SystemIO

#if canImport(Glibc)
    import Glibc
#endif

/// Writes log records to stderr, one line each, as logfmt (`time=... level=info msg="..."
/// key=value`) or JSON, in the style of Prometheus exporters.
struct LineLogHandler: LogHandler {
    enum Format: String, CaseIterable, Sendable {
        case logfmt, json
    }

    let label: String
    let format: Format
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: Format, level: Logger.Level) {
        self.label = label
        self.format = format
        logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var pairs: [(String, String)] = [
            ("time", LineLogHandler.timestamp()), ("level", event.level.shortName),
            ("logger", label), ("msg", event.message.description),
        ]
        pairs += fields.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
        if let error = event.error { pairs.append(("err", "\(error)")) }
        var line: String
        switch format {
        case .logfmt:
            line = pairs.map { "\($0.0)=\(LineLogHandler.logfmtValue($0.1))" }.joined(separator: " ")
        case .json:
            line = "{" + pairs.map { "\(LineLogHandler.jsonString($0.0)):\(LineLogHandler.jsonString($0.1))" }.joined(separator: ",") + "}"
        }
        line += "\n"
        LineLogHandler.output.withLock { lines in
            lines &+= 1
            line.withUTF8 { b in
                var off = 0
                while off < b.count {
                    let n = write(STDERR_FILENO, b.baseAddress! + off, b.count - off)
                    if n <= 0 {
                        if n < 0 && errno == EINTR { continue }
                        break
                    }
                    off += n
                }
            }
        }
    }

    /// Serialises whole lines onto stderr; counts them (a zero-sized value under the lock
    /// confuses ThreadSanitizer's Swift access checks).
    private static let output = Locked<UInt64>(0)

    static func logfmtValue(_ v: String) -> String {
        let needsQuotes = v.isEmpty || v.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.isNewline }
        guard needsQuotes else { return v }
        var out = "\""
        for c in v.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 {
                    let hex = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = tm()
        var secs = ts.tv_sec
        gmtime_r(&secs, &t)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T"
            + "\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):\(pad(t.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}

extension Logger.Level {
    var shortName: String {
        switch self {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info: return "info"
        case .notice: return "notice"
        case .warning: return "warn"
        case .error: return "error"
        case .critical: return "critical"
        }
    }
}
