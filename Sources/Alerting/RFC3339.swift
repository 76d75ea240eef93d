import Foundation

/// RFC 3339 timestamps in UTC with milliseconds ("2026-11-29T05:40:04.762Z"), written and
/// read without Foundation's formatters (they load ICU, which costs a second or more the first
/// time on a slow machine -- the first alert would wait for it).
enum RFC3339 {
    static func format(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var secs = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let millis = Int(ms - Int64(secs) * 1000)
        var t = tm()
        gmtime_r(&secs, &t)
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(Int(t.tm_year) + 1900, 4))-\(pad(Int(t.tm_mon) + 1, 2))-\(pad(Int(t.tm_mday), 2))T"
            + "\(pad(Int(t.tm_hour), 2)):\(pad(Int(t.tm_min), 2)):\(pad(Int(t.tm_sec), 2)).\(pad(millis, 3))Z"
    }

    /// Parses what ``format(_:)`` writes (and the same without fractions).
    static func parse(_ s: String) -> Date? {
        let u = Array(s.utf8)
        guard u.count >= 20, u.last == UInt8(ascii: "Z") else { return nil }
        for (i, c) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")] where u[i] != UInt8(ascii: Unicode.Scalar(c)!) {
            return nil
        }
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= u.count else { return nil }
            var v = 0
            for c in u[from..<from + len] {
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let se = num(17, 2)
        else { return nil }
        var fraction = 0.0
        if u.count > 21, u[19] == UInt8(ascii: ".") {
            let digits = u[20..<(u.count - 1)]
            guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Double(String(decoding: digits, as: UTF8.self)) else { return nil }
            fraction = v / pow(10, Double(digits.count))
        }
        var t = tm()
        t.tm_year = Int32(y - 1900)
        t.tm_mon = Int32(mo - 1)
        t.tm_mday = Int32(d)
        t.tm_hour = Int32(h)
        t.tm_min = Int32(mi)
        t.tm_sec = Int32(se)
        let secs = timegm(&t)
        return Date(timeIntervalSince1970: Double(secs) + fraction)
    }
}
