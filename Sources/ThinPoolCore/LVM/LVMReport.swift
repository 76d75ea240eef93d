#if canImport(Glibc)
    import Glibc
#endif

/// What `lvs` reports for a thin pool and its thin LVs, computed as LVM 2.03 computes it from
/// the same kernel status (checked against Debian 12's lvs 2.03.16 in the test VM):
///
/// - data_percent / metadata_percent: libdevmapper's dm_make_percent (a 32-bit fixed point of
///   1e-6 %, 100 only when full, 0 only when empty), then dm_percent_to_round_float in
///   single precision (99.99 short of full, 0.01 above empty) printed with "%.2f";
///   a thin LV's is its mapped sectors against its size rounded up to the pool's chunk;
/// - lv_health_status: "failed" (Fail or Error), "out_of_data", "metadata_read_only", else "";
///   a thin LV's is always "" (the kernel's Fail shows only in lv_attr);
/// - lv_when_full: "error" when the pool errors writes when full, else "queue" (LVM keeps it
///   in its metadata and loads it as the table's error_if_no_space).
public enum LVMReport {
    static let percent100: Int32 = 100_000_000
    static let percent1: Int32 = 1_000_000

    /// dm_make_percent(n, d).
    static func makePercent(_ n: UInt64, _ d: UInt64) -> Int32 {
        if d == 0 || n == d { return percent100 }
        if n == 0 { return 0 }
        let p = Int32(truncatingIfNeeded: Int64((Double(percent100) * (Double(n) / Double(d))).rounded(.towardZero)))
        switch p {
        case percent100: return percent100 - 1
        case 0: return 1
        default: return p
        }
    }

    /// lvs's two-decimal percentage of `n` out of `d`: "15.00", "99.99", "100.00".
    public static func percent(_ n: UInt64, _ d: UInt64) -> String {
        format(makePercent(n, d))
    }

    static func format(_ p: Int32) -> String {
        var f = Float(p) / Float(percent1)
        let r = Float(percent1) * 0.01
        if Float(p) < r, p > 0 {
            f = 0.01
        } else if Float(p) > Float(percent100) - r, p < percent100 {
            f = Float(Float(percent100) - r) / Float(percent1)
        }
        var buffer = [CChar](repeating: 0, count: 32)
        _ = withVaList([Double(f)]) { vsnprintf(&buffer, buffer.count, "%.2f", $0) }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// A thin LV's data_percent: mapped sectors against its size rounded up to the chunk.
    public static func thinPercent(mapped: Sectors, size: Sectors, chunk: Sectors) -> String {
        guard chunk.rawValue > 0 else { return "" }
        let c = chunk.rawValue
        let (rounded, overflow) = ((size.rawValue + c - 1) / c).multipliedReportingOverflow(by: c)
        guard !overflow else { return "" }
        return mapped.rawValue <= rounded ? percent(mapped.rawValue, rounded) : format(percent100)
    }

    /// lv_health_status of a thin pool.
    public static func health(_ status: ThinPoolStatus) -> String {
        switch status {
        case .fail, .error: return "failed"
        case .working(let w):
            switch w.mode {
            case .outOfDataSpace?: return "out_of_data"
            case .readOnly?: return "metadata_read_only"
            default: return ""
            }
        }
    }

    /// lv_when_full of a thin pool.
    public static func whenFull(_ table: ThinPoolTable) -> String {
        table.has(.errorIfNoSpace) ? "error" : "queue"
    }
}
