import Foundation
import SystemIO
import ThinPoolCore

/// Reads LVM's own view of its thin pools' autoextend: which ones dmeventd monitors, their
/// metadata profiles (`lvm lvs`), and the settings in effect (`lvm lvmconfig --type full`,
/// with `--metadataprofile` per profile).
public enum LVMAutoextendReader {
    /// Thin pools (their profiles and monitoring) and thin LVs (their pool, size in bytes and
    /// whether they are active: an inactive one has no dm device).
    public static let lvsArguments = [
        "lvs", "--reportformat", "json", "--units", "b", "--nosuffix", "-S", "segtype=thin-pool||segtype=thin",
        "-o", "vg_name,lv_name,segtype,lv_profile,vg_profile,seg_monitor,pool_lv,lv_size,lv_active",
    ]
    static let keys = ["activation/thin_pool_autoextend_threshold", "activation/thin_pool_autoextend_percent"]

    /// Whether dmeventd runs (its pid file names a live dmeventd). Asking lvs for seg_monitor
    /// when it does not would start it (libdevmapper-event forks it on first contact): an
    /// exporter must not start daemons, so then lvs runs with monitoring off (`--config
    /// 'activation { monitoring = 0 }'`: lvs has no --ignoremonitoring) and every pool is
    /// unmonitored, which it is without dmeventd.
    public static func dmeventdRunning(pidFile: String = "/run/dmeventd.pid", proc: String = "/proc") -> Bool {
        guard let text = try? readTextFile(pidFile), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let comm = try? readTextFile("\(proc)/\(pid)/comm")
        else { return false }
        return comm.trimmingCharacters(in: .whitespacesAndNewlines) == "dmeventd"
    }

    public static func read(
        _ pools: Set<LVMName>, run: (_ args: [String]) throws -> String,
        dmeventd: Bool
    ) -> (pools: [LVMName: LVMAutoextend], inactiveThin: [LVMName: InactiveThinVolumes], problems: [String]) {
        var problems: [String] = []
        let rows: [Row]
        do {
            rows = try parseLVS(try run(lvsArguments + (dmeventd ? [] : ["--config", "activation { monitoring = 0 }"])))
        } catch {
            return ([:], [:], ["lvm lvs: \(error)"])
        }
        // Thin LVs without a dm device: active ones are counted from device-mapper already.
        var inactive: [LVMName: InactiveThinVolumes] = [:]
        for r in rows where r.segtype == "thin" && r.active.isEmpty {
            let pool = LVMName(vg: r.vg, lv: r.pool)
            guard pools.contains(pool) else { continue }
            guard let size = UInt64(r.size) else {
                problems.append("lvm lvs: thin LV \(r.vg)/\(r.lv) has size \"\(r.size)\", not a number of bytes")
                continue
            }
            inactive[pool, default: InactiveThinVolumes()].count += 1
            inactive[pool, default: InactiveThinVolumes()].virtualBytes =
                inactive[pool, default: InactiveThinVolumes()].virtualBytes.saturatingAdding(size)
        }
        // Pools asked about with no inactive thin LV have none (not unknown).
        for p in pools where inactive[p] == nil { inactive[p] = InactiveThinVolumes() }
        var settings: [String?: (threshold: Int, percent: Int)] = [:]
        func config(_ profile: String?) -> (threshold: Int, percent: Int)? {
            if let s = settings[profile] { return s }
            do {
                let args = ["lvmconfig", "--type", "full"] + (profile.map { ["--metadataprofile", $0] } ?? []) + keys
                let values = parseConfig(try run(args))
                guard let t = values["thin_pool_autoextend_threshold"], let p = values["thin_pool_autoextend_percent"] else {
                    problems.append(
                        "lvm lvmconfig\(profile.map { " --metadataprofile \($0)" } ?? ""): no autoextend settings in its output")
                    return nil
                }
                settings[profile] = (t, p)
                return (t, p)
            } catch {
                problems.append("lvm lvmconfig: \(error)")
                return nil
            }
        }
        var out: [LVMName: LVMAutoextend] = [:]
        for r in rows where r.segtype == "thin-pool" {
            let name = LVMName(vg: r.vg, lv: r.lv)
            guard pools.contains(name) else { continue }
            let profile = r.lvProfile.isEmpty ? (r.vgProfile.isEmpty ? nil : r.vgProfile) : r.lvProfile
            guard let c = config(profile) else { continue }
            out[name] = LVMAutoextend(monitored: r.monitor == "monitored", threshold: c.threshold, percent: c.percent, profile: profile)
        }
        return (out, inactive, problems)
    }

    /// `lvm lvs` printed something that is not its JSON report.
    struct LVSOutputError: Error, CustomStringConvertible {
        var text: String
        var description: String { "not lvs JSON: \(text)" }
    }

    struct Row: Equatable {
        var vg, lv, segtype, lvProfile, vgProfile, monitor, pool, size, active: String
    }

    /// `lvs --reportformat json` output: {"report": [{"lv": [{field: "value", ...}]}]}.
    static func parseLVS(_ text: String) throws -> [Row] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let report = object["report"] as? [[String: Any]]
        else {
            throw LVSOutputError(text: String(text.prefix(200)))
        }
        return report.flatMap { ($0["lv"] as? [[String: Any]]) ?? [] }.compactMap { lv in
            func f(_ k: String) -> String { (lv[k] as? String) ?? "" }
            guard !f("vg_name").isEmpty, !f("lv_name").isEmpty else { return nil }
            return Row(
                vg: f("vg_name"), lv: f("lv_name"), segtype: f("segtype"), lvProfile: f("lv_profile"), vgProfile: f("vg_profile"),
                monitor: f("seg_monitor"), pool: f("pool_lv"), size: f("lv_size"), active: f("lv_active"))
        }
    }

    /// `lvmconfig` output: `name=value` lines (whatever the section), numbers only.
    static func parseConfig(_ text: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let v = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
            out[parts[0].trimmingCharacters(in: .whitespaces)] = v
        }
        return out
    }
}
