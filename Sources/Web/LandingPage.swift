import ThinPoolCore

/// `/`: every pool at a glance, server-rendered, no external assets. Data and metadata bars
/// show used space against docker's minimum free space and the kernel's low water mark.
public enum LandingPage {
    /// What the agent adds to a pool's card: what is firing and when space runs out.

    public static func render(
        _ report: Result<HostReading, any Error>, telemetryPath: String, version: String, agent: [String: PoolAgentView] = [:]
    ) -> String {
        var body = ""
        switch report {
        case .failure(let e):
            body = "<p class=\"err\">Cannot read device-mapper: \(escape("\(e)"))</p>"
        case .success(let r) where r.pools.isEmpty:
            body = "<p>No thin pools (\(r.deviceCount) device-mapper devices).</p>"
        case .success(let r):
            body = r.pools.map { card($0, agent: agent[$0.name]) }.joined(separator: "\n")
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>thinpool-exporter</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:60rem;color:#222}
            h1{font-size:1.4rem}h2{font-size:1.1rem;margin:0 0 .4rem;word-break:break-all}
            .pool{border:1px solid #ccc;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
            .mode{display:inline-block;padding:0 .5rem;border-radius:4px;font-size:.85rem;color:#fff;background:#2a7}
            .mode.ro,.mode.out_of_data_space{background:#c60}.mode.fail,.mode.error,.mode.unknown{background:#c22}
            .bar{position:relative;height:1.1rem;background:#eee;border-radius:3px;margin:.2rem 0 .1rem}
            .used{position:absolute;left:0;top:0;bottom:0;background:#4a90d9;border-radius:3px}
            .used.warn{background:#e39b28}.used.crit{background:#d33}
            .mark{position:absolute;top:-3px;bottom:-3px;width:2px}
            .mark.minfree{background:#000}.mark.lwm{background:#a0a}
            .legend,.meta{font-size:.85rem;color:#555}.err{color:#c22}
            table{border-collapse:collapse;font-size:.9rem}td{padding:.1rem .8rem .1rem 0}
            .firing{margin:.3rem 0;padding:.3rem .6rem;border-radius:4px;background:#fdecea}.firing.warning{background:#fff4e0}
            .firing b{margin-right:.4rem}.now{font-weight:600;margin:.3rem 0}
            </style></head><body>
            <h1>thinpool-exporter</h1>
            <p><a href="\(escape(telemetryPath))">Metrics</a> · <a href="/api/v1/pools">Pools as JSON</a> · <a href="/healthz">Health</a></p>
            <p class="legend">Bars: used space. <span style="color:#000">▮</span> docker's minimum free space (docker refuses new containers right of it) · <span style="color:#a0a">▮</span> the kernel's low water mark.</p>
            \(body)
            <p class="meta">thinpool-exporter \(escape(version))</p>
            </body></html>

            """
    }

    static func card(_ r: PoolReading, agent: PoolAgentView? = nil) -> String {
        let modeText = r.pool?.mode?.rawValue ?? "unknown"
        var html =
            "<div class=\"pool\" id=\"pool-\(escape(r.name))\"><h2>\(escape(r.name)) <span class=\"mode \(escape(modeText))\">\(escape(modeText))</span></h2>\n"
        // What an operator at 3 am needs first: what is firing, when it runs out, what a trim
        // would give back, who holds the most.
        for f in (agent?.firing ?? []).sorted(by: {
            ($0.severity == "critical" ? 0 : 1, $0.name) < ($1.severity == "critical" ? 0 : 1, $1.name)
        }) {
            html +=
                "<div class=\"firing \(escape(f.severity))\"><b>\(escape(f.name))</b>\(escape(f.severity)): \(escape(f.summary))</div>\n"
        }
        var runsOut: [String] = []
        if let d = agent?.dataSecondsToFull { runsOut.append("data in \(DurationText.short(d))") }
        if let d = agent?.dockerRefusesSeconds { runsOut.append("docker refuses new containers in \(DurationText.short(d))") }
        if let d = agent?.metadataSecondsToFull { runsOut.append("metadata in \(DurationText.short(d))") }
        if !runsOut.isEmpty { html += "<p class=\"now\">Runs out at the current rate: \(escape(runsOut.joined(separator: "; ")))</p>\n" }
        if let o = r.pool?.outOfSpace, let deadline = o.deadline {
            let who = o.writers.map(\.displayName).joined(separator: ", ")
            html +=
                "<p class=\"err\">Out of data space: queued writes\(who.isEmpty ? "" : " to " + escape(who)) fail at unix time \(Int(deadline.rounded())) (no_space_timeout \(o.timeoutSeconds ?? 0) s).</p>\n"
        }
        if let s = r.pool {
            var facts: [String] = []
            if let sp = s.space { facts.append("reclaimable by fstrim: \(DockerUnits.humanSize(Bytes(sp.reclaimableBytes)))") }
            let holders = s.thinVolumes.sorted {
                ($0.space?.exclusiveBytes ?? $0.status?.mapped?.bytes?.rawValue ?? 0)
                    > ($1.space?.exclusiveBytes ?? $1.status?.mapped?.bytes?.rawValue ?? 0)
            }.prefix(3)
            let named = holders.compactMap { v -> String? in
                let name = v.owner?.displayName ?? v.name
                if let x = v.space?.exclusiveBytes { return "\(name) (deleting it frees \(DockerUnits.humanSize(Bytes(x))))" }
                return v.status?.mapped?.bytes.map { "\(name) (\(DockerUnits.humanSize($0)) mapped)" }
            }
            if !named.isEmpty { facts.append("holds the most: " + named.joined(separator: ", ")) }
            for d in s.stuck { facts.append(d.describe(pool: s.name)) }
            if !facts.isEmpty { html += "<p class=\"now\">\(escape(facts.joined(separator: " · ")))</p>\n" }
        }
        switch r.pool?.mode {
        case .fail?:
            html +=
                "<p class=\"err\">The pool has failed: the kernel reports no counters and its I/O errors. It needs repair (thin_check, thin_repair).</p>\n"
        case .error?: html += "<p class=\"err\">The kernel could not read this pool's counters (status Error).</p>\n"
        default: break
        }
        if let c = r.capacity {
            let data = c.data
            let minFreeAt = data.totalBlocks == 0 ? 0 : 1 - Double(c.minFreeSpace.rawValue) / Double(data.total.rawValue)
            let lwmAt = 1 - min(1, Double(c.lowWaterMark.rawValue) / Double(data.total.rawValue))
            let docker = r.dockerMayUse
            html += bar(
                "Data", data,
                marks: (docker ? [("minfree", minFreeAt, "minimum free space \(DockerUnits.humanSize(c.minFreeSpace))")] : [])
                    + [("lwm", lwmAt, "low water mark \(DockerUnits.humanSize(c.lowWaterMark))")])
            let metaLwmAt = c.metadataLowWatermark.map { 1 - min(1, Double($0.rawValue) / Double(c.metadata.total.rawValue)) }
            html += bar("Metadata", c.metadata, marks: metaLwmAt.map { [("lwm", $0, "metadata low watermark")] } ?? [])
            if docker, c.dockerRefuses {
                html += "<p class=\"err\">Docker would refuse new containers now (below its minimum free space).</p>\n"
            }
        }
        if let l = r.pool?.lvmRefusal, l.refuses {
            html += "<p class=\"err\">lvcreate would refuse new thin volumes now: \(escape(l.reasons))</p>\n"
        }
        if let s = r.pool {
            html += "<table>"
            html += row("No-space policy", s.noSpacePolicy.rawValue)
            html += row("Needs check", s.needsCheck.map { $0 ? "yes" : "no" } ?? "unknown")
            html += row("Block size", s.table.blockSize.bytes.map { DockerUnits.humanSize($0) } ?? "?")
            html += row("Thin volumes", "\(s.thinVolumes.count)")
            html += row("Data / metadata device", "\(s.table.dataDevice) / \(s.table.metadataDevice)")
            html += "</table>\n"
        }
        if let e = r.error { html += "<p class=\"err\">\(escape(e.description))</p>\n" }
        return html + "</div>"
    }

    static func bar(_ title: String, _ s: Space, marks: [(String, Double, String)]) -> String {
        let pct = s.usedRatio * 100
        let level = pct >= 90 ? " crit" : (pct >= 80 ? " warn" : "")
        var html =
            "<div>\(title): \(DockerUnits.humanSize(s.used)) of \(DockerUnits.humanSize(s.total)) used (\(percent(pct))), \(DockerUnits.humanSize(s.available)) available</div>\n"
        html +=
            "<div class=\"bar\" role=\"img\" aria-label=\"\(title) \(percent(pct)) used\"><div class=\"used\(level)\" style=\"width:\(percent(pct))\"></div>"
        for (cls, at, label) in marks {
            html += "<div class=\"mark \(cls)\" title=\"\(escape(label))\" style=\"left:\(percent(max(0, min(1, at)) * 100))\"></div>"
        }
        return html + "</div>\n"
    }

    static func row(_ k: String, _ v: String) -> String { "<tr><td>\(escape(k))</td><td>\(escape(v))</td></tr>" }

    static func percent(_ p: Double) -> String {
        let tenths = (p * 10).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
