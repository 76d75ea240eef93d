/// The two exposition formats Prometheus scrapes.
public enum ExpositionFormat: Sendable, Hashable {
    /// Prometheus text format 0.0.4 (the default).
    case text
    /// OpenMetrics 1.0.0, for scrapers that ask for it in Accept.
    case openMetrics

    public var contentType: String {
        switch self {
        case .text: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// The format an Accept header asks for: OpenMetrics when it names
    /// application/openmetrics-text (without q=0), else text.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .text }
        for part in accept.split(separator: ",") {
            let params = part.split(separator: ";").map { $0.trimmingSpaces }
            guard params.first?.lowercased() == "application/openmetrics-text" else { continue }
            let q = params.dropFirst().first { $0.lowercased().hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) }
            if q == nil || q! > 0 { return .openMetrics }
        }
        return .text
    }

    /// The text of `families` in this format.
    public func render(_ families: [MetricFamily]) -> String {
        var out = ""
        out.reserveCapacity(families.reduce(0) { $0 + 96 + $1.samples.count * 80 })
        // A family without samples has nothing to say (and promtool would flag it).
        for f in families where !f.samples.isEmpty {
            switch self {
            case .text: Self.writeText(f, to: &out)
            case .openMetrics: Self.writeOpenMetrics(f, to: &out)
            }
        }
        if self == .openMetrics { out += "# EOF\n" }
        return out
    }

    private static func sampleName(_ f: MetricFamily) -> String {
        switch f.kind {
        case .gauge: return f.name
        case .counter: return f.name + "_total"
        case .info: return f.name + "_info"
        case .histogram: return f.name
        }
    }

    private static func writeText(_ f: MetricFamily, to out: inout String) {
        let name = sampleName(f)
        out += "# HELP \(name) "
        escape(f.help, quotes: false, to: &out)
        out += "\n# TYPE \(name) \(f.kind == .info ? "gauge" : f.kind.rawValue)\n"
        for s in f.samples { writeSample(name, s, to: &out) }
    }

    private static func writeOpenMetrics(_ f: MetricFamily, to out: inout String) {
        out += "# TYPE \(f.name) \(f.kind.rawValue)\n# HELP \(f.name) "
        escape(f.help, quotes: true, to: &out)
        out += "\n"
        let name = sampleName(f)
        for s in f.samples { writeSample(name, s, to: &out) }
    }

    private static func writeSample(_ name: String, _ s: Sample, to out: inout String) {
        out += name
        out += s.suffix
        if !s.labels.isEmpty {
            out += "{"
            for (i, l) in s.labels.enumerated() {
                if i > 0 { out += "," }
                out += l.name
                out += "=\""
                escape(l.value, quotes: true, to: &out)
                out += "\""
            }
            out += "}"
        }
        out += " "
        out += s.value.text
        out += "\n"
    }

    /// Backslash and newline always; double quotes in label values (and OpenMetrics help).
    private static func escape(_ s: String, quotes: Bool, to out: inout String) {
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quotes: out += "\\\""
            default: out.unicodeScalars.append(c)
            }
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
