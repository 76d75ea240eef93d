import Foundation
import SystemIO
import ThinPoolCore

extension AgentConfig {
    /// Loads and validates `path`; every problem is reported at once, with its path and line.
    public static func load(path: String) throws(ConfigProblems) -> AgentConfig {
        try loadConfigFile(path) { parse($0, file: path, problems: &$1) }
    }

    public static func parse(_ text: String, file: String, problems: inout ConfigProblems) -> AgentConfig? {
        guard let root = ConfigNode.parse(text, problems: &problems) else { return nil }
        var c = AgentConfig()
        let m = root.mapping(allowed: AgentConfigKeys.top, &problems)
        if let n = m["poll_interval"], let d = n.duration(&problems, atLeast: .milliseconds(100)) { c.pollInterval = d }
        if let n = m["state_dir"], let s = n.string(&problems) {
            if s.isEmpty {
                problems.add(n.path, line: n.line, "must not be empty")
            } else {
                c.stateDirectory = resolvePath(s, relativeTo: file)
            }
        }
        if let n = m["host"], let s = n.string(&problems) { c.host = s }
        if let n = m["docker_version"], let s = n.string(&problems) {
            if DockerVersion(s) == nil {
                problems.add(n.path, line: n.line, "\"\(s)\" is not a docker version (MAJOR.MINOR[.PATCH], e.g. 17.03.2-ce)")
            } else {
                c.dockerVersion = s
            }
        }
        if let n = m["repeat_interval"], let d = n.duration(&problems, atLeast: .seconds(60)) { c.repeatInterval = d }
        if let n = m["pools"] {
            let p = n.mapping(allowed: AgentConfigKeys.pools, &problems)
            if let i = p["include"] { c.pools.include = i.strings(&problems) }
            if let e = p["exclude"] { c.pools.exclude = e.strings(&problems) }
        }
        c.defaults = parsePolicy(m, base: PoolPolicy(), problems: &problems)
        if let n = m["overrides"] {
            for o in n.sequence(&problems) {
                let om = o.mapping(allowed: AgentConfigKeys.override, &problems)
                guard let matchNode = om["match"] else {
                    problems.add(o.path + ".match", line: o.line, "required: the pool name globs this override applies to")
                    continue
                }
                let globs = matchNode.strings(&problems)
                if globs.isEmpty { problems.add(matchNode.path, line: matchNode.line, "needs at least one glob") }
                c.overrides.append(PoolOverride(match: globs, policy: parsePolicy(om, base: c.defaults, problems: &problems)))
            }
        }
        if let n = m["space_scan"] {
            let sm = n.mapping(allowed: AgentConfigKeys.spaceScan, &problems)
            if let v = sm["enabled"], let b = v.bool(&problems) { c.spaceScan.enabled = b }
            if let v = sm["interval"], let d = v.duration(&problems, atLeast: .seconds(10)) { c.spaceScan.interval = d }
            if let v = sm["timeout"], let d = v.duration(&problems, atLeast: .seconds(1)) { c.spaceScan.timeout = d }
            if let v = sm["thin_ls"], let p = v.string(&problems) { c.spaceScan.thinLs = p }
            if let v = sm["thin_dump"], let p = v.string(&problems) { c.spaceScan.thinDump = p }
        }
        if let n = m["receivers"] {
            var names: Set<String> = []
            for r in n.sequence(&problems) {
                guard let receiver = parseReceiver(r, file: file, problems: &problems) else { continue }
                if !names.insert(receiver.name).inserted {
                    problems.add(r.path + ".name", line: r.line, "receiver name \"\(receiver.name)\" is used twice")
                }
                c.receivers.append(receiver)
            }
        }
        return c
    }

    /// `min_free_space` and `alerts` from a mapping, on top of `base`.
    static func parsePolicy(_ m: [String: ConfigNode], base: PoolPolicy, problems: inout ConfigProblems) -> PoolPolicy {
        var p = base
        if let n = m["min_free_space"], let f = n.fraction(&problems, in: 0...0.99) {
            p.minFreeSpacePercent = UInt64((f * 100).rounded())
        }
        if let n = m["autoextend"] { p.autoextend = parseAutoextend(n, base: p.autoextend, problems: &problems) }
        guard let a = m["alerts"] else { return p }
        let am = a.mapping(allowed: AgentConfigKeys.alerts, &problems)
        if let n = am["data_used"] { p.alerts.dataUsed = parseRatio(n, base: p.alerts.dataUsed, problems: &problems) }
        if let n = am["metadata_used"] { p.alerts.metadataUsed = parseRatio(n, base: p.alerts.metadataUsed, problems: &problems) }
        if let n = am["min_free_space_margin"] {
            if n.isOff {
                p.alerts.minFreeSpaceMargin = nil
            } else if let f = n.fraction(&problems, in: 0...0.5) {
                p.alerts.minFreeSpaceMargin = f
            }
        }
        if let n = am["time_to_full"] {
            let tm = n.mapping(allowed: AgentConfigKeys.timeToFull, &problems)
            var rule = p.alerts.timeToFull
            if let w = tm["warning"] { rule.warning = w.isOff ? nil : w.duration(&problems, atLeast: .seconds(1)) ?? rule.warning }
            if let w = tm["critical"] { rule.critical = w.isOff ? nil : w.duration(&problems, atLeast: .seconds(1)) ?? rule.critical }
            if let w = tm["window"], let d = w.duration(&problems, atLeast: .seconds(1)) { rule.window = d }
            if let w = tm["min_samples"], let v = w.number(&problems, in: 2...10000) { rule.minSamples = Int(v) }
            if let w = rule.warning, let c = rule.critical, c >= w {
                problems.add(n.path, line: n.line, "critical (\(formatDuration(c))) must be shorter than warning (\(formatDuration(w)))")
            }
            p.alerts.timeToFull = rule
        }
        func flag(_ key: String, _ keyPath: WritableKeyPath<AlertThresholds, Bool>) {
            if let n = am[key], let b = n.bool(&problems) { p.alerts[keyPath: keyPath] = b }
        }
        if let n = am["stuck_after"] {
            p.alerts.stuckAfter = n.isOff ? nil : n.duration(&problems, atLeast: .seconds(1)) ?? p.alerts.stuckAfter
        }
        flag("low_water", \.lowWater)
        flag("out_of_data_space", \.outOfDataSpace)
        flag("read_only", \.readOnly)
        flag("fail", \.fail)
        flag("needs_check", \.needsCheck)
        flag("lvm_refuses_new_volumes", \.lvmRefusesNewVolumes)
        return p
    }

    static func parseAutoextend(_ n: ConfigNode, base: AutoextendPolicy, problems: inout ConfigProblems) -> AutoextendPolicy {
        var a = base
        let m = n.mapping(allowed: AgentConfigKeys.autoextend, &problems)
        if let e = m["enabled"], let b = e.bool(&problems) { a.enabled = b }
        if let e = m["leave_to_dmeventd"], let b = e.bool(&problems) { a.leaveToDmeventd = b }
        if let e = m["dry_run"], let b = e.bool(&problems) { a.dryRun = b }
        if let e = m["executor"], let s = e.string(&problems) {
            if let x = AutoextendPolicy.Executor(rawValue: s) {
                a.executor = x
            } else {
                problems.add(e.path, line: e.line, "unknown executor \"\(s)\" (auto, loop, lvm or dm-reload)")
            }
        }
        if let e = m["cooldown"], let d = e.duration(&problems, atLeast: .seconds(1)) { a.cooldown = d }
        if let e = m["backoff_max"], let d = e.duration(&problems, atLeast: .seconds(1)) { a.backoffMax = d }
        if let e = m["trim_first"], let b = e.bool(&problems) { a.trimFirst = b }
        if let e = m["trim_interval"], let d = e.duration(&problems, atLeast: .seconds(1)) { a.trimInterval = d }
        func space(_ key: String, _ base: AutoextendPolicy.Space) -> AutoextendPolicy.Space {
            guard let node = m[key] else { return base }
            var s = base
            let sm = node.mapping(allowed: AgentConfigKeys.space, &problems)
            if let t = sm["threshold"], let f = t.fraction(&problems, in: 0.05...0.99) { s.threshold = f }
            if let st = sm["step"], let text = st.string(&problems) {
                if text == "auto" {
                    s.step = .auto
                } else if text.hasSuffix("%") {
                    if let f = st.fraction(&problems, in: 0.01...10) { s.step = .fraction(f) }
                } else if let b = parseSize(text), b > 0 {
                    s.step = .bytes(b)
                } else {
                    problems.add(st.path, line: st.line, "\"\(text)\" is not a step (auto, a percentage like 20%, or a size like 10GiB)")
                }
            }
            if let x = sm["max_size"] {
                if x.isOff || x.isWord("unlimited") { s.maxSize = nil } else if let b = x.size(&problems) { s.maxSize = b }
            }
            if let h = sm["min_headroom"], let b = h.size(&problems) { s.minHeadroom = b }
            return s
        }
        a.data = space("data", a.data)
        a.metadata = space("metadata", a.metadata)
        return a
    }

    static func parseRatio(_ n: ConfigNode, base: RatioRule, problems: inout ConfigProblems) -> RatioRule {
        let m = n.mapping(allowed: AgentConfigKeys.ratio, &problems)
        var r = base
        if let w = m["warning"] { r.warning = w.isOff ? nil : w.fraction(&problems, in: 0.01...1) ?? r.warning }
        if let c = m["critical"] { r.critical = c.isOff ? nil : c.fraction(&problems, in: 0.01...1) ?? r.critical }
        if let h = m["hysteresis"], let f = h.fraction(&problems, in: 0...0.5) { r.hysteresis = f }
        if let w = r.warning, let c = r.critical, c <= w {
            problems.add(n.path, line: n.line, "critical (\(Int(c * 100))%) must be above warning (\(Int(w * 100))%)")
        }
        if let low = [r.warning, r.critical].compactMap({ $0 }).min(), r.hysteresis >= low {
            problems.add(n.path + ".hysteresis", line: n.line, "must be below the lowest threshold")
        }
        return r
    }

    static func parseReceiver(_ r: ConfigNode, file: String, problems: inout ConfigProblems) -> ReceiverConfig? {
        let m = r.mapping(allowed: AgentConfigKeys.receiver, &problems)
        let name = m["name"].flatMap { $0.string(&problems) }
        if m["name"] == nil { problems.add(r.path + ".name", line: r.line, "required") }
        var kind: ReceiverConfig.Kind?
        if let t = m["type"], let s = t.string(&problems) {
            kind = ReceiverConfig.Kind(rawValue: s)
            if kind == nil {
                problems.add(
                    t.path, line: t.line,
                    "unknown type \"\(s)\" (expected one of \(ReceiverConfig.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        } else if m["type"] == nil {
            problems.add(r.path + ".type", line: r.line, "required: webhook, alertmanager, slack, pagerduty or command")
        }
        func readableFile(_ key: String) -> String? {
            guard let n = m[key], let s = n.string(&problems) else { return nil }
            let path = resolvePath(s, relativeTo: file)
            // Read now as it will be read at delivery: a file that cannot be, or is not text (a
            // binary key), is a config problem, not a failure at the first alert. Only regular
            // files (symlinks followed): reading a FIFO or a device could block or never end.
            if let st = try? FileStatus(path), st.kind != .regular {
                problems.add(n.path, line: n.line, "\(path) is not a regular file")
                return path
            }
            do {
                if try readTextFile(path).isEmpty { problems.add(n.path, line: n.line, "\(path) is empty") }
            } catch let e where e.reason == .notUTF8 {
                problems.add(n.path, line: n.line, "\(path) is not valid UTF-8 text")
            } catch {
                problems.add(n.path, line: n.line, "cannot read \(path)")
            }
            return path
        }
        var url: ReceiverConfig.Secret?
        var command: [String] = []
        if kind == .command {
            // A program, not a URL: checked as what the agent (root) will run.
            url = .value("")
            if let n = m["url"] ?? m["url_file"] { problems.add(n.path, line: n.line, "command receivers run a program: no url") }
            if let n = m["command"] {
                command = n.strings(&problems)
                if let program = command.first {
                    for why in programProblems(program, configFile: file) { problems.add(n.path, line: n.line, why) }
                } else {
                    problems.add(n.path, line: n.line, "needs the program's absolute path (and its arguments)")
                }
            } else {
                problems.add(r.path + ".command", line: r.line, "required: the program's absolute path and its arguments, as a list")
            }
        } else if let n = m["command"] {
            problems.add(n.path, line: n.line, "only command receivers run a program")
        }
        let urlNodes: (ConfigNode?, ConfigNode?) = kind == .command ? (nil, nil) : (m["url"], m["url_file"])
        switch urlNodes {
        case (nil, nil) where kind == .command: break
        case (let u?, nil):
            if let s = u.string(&problems) {
                if let why = urlProblem(s) { problems.add(u.path, line: u.line, why) } else { url = .value(s) }
            }
        case (nil, _?):
            url = readableFile("url_file").map { .file($0) }
        case (_?, _?):
            problems.add(r.path + ".url", line: r.line, "give url or url_file, not both")
        case (nil, nil):
            problems.add(r.path + ".url", line: r.line, "required (url, or url_file for a URL that holds a secret)")
        }
        // Every field is checked even when name, type or url is wrong: all problems at once.
        var rc = ReceiverConfig(name: name ?? "", kind: kind ?? .webhook, url: url ?? .value(""))
        rc.command = command
        if let n = m["hmac_secret_file"] {
            if kind == nil || kind == .webhook {
                rc.hmacSecretFile = readableFile("hmac_secret_file")
            } else {
                problems.add(n.path, line: n.line, "only webhook receivers sign their bodies")
            }
        }
        switch (m["routing_key"], m["routing_key_file"]) {
        case (let k?, nil): rc.routingKey = k.string(&problems).map { .value($0) }
        case (nil, _?): rc.routingKey = readableFile("routing_key_file").map { .file($0) }
        case (_?, _?): problems.add(r.path + ".routing_key", line: r.line, "give routing_key or routing_key_file, not both")
        case (nil, nil): break
        }
        if kind == .pagerduty, m["routing_key"] == nil, m["routing_key_file"] == nil {
            problems.add(r.path + ".routing_key_file", line: r.line, "pagerduty receivers need routing_key_file (or routing_key)")
        }
        if let kind, kind != .pagerduty, let n = m["routing_key"] ?? m["routing_key_file"] {
            problems.add(n.path, line: n.line, "only pagerduty receivers take a routing key")
        }
        if let n = m["timeout"], let d = n.duration(&problems, atLeast: .milliseconds(100)) { rc.timeout = d }
        if let n = m["resend_interval"], let d = n.duration(&problems, atLeast: .seconds(1)) { rc.resendInterval = d }
        if let n = m["send_resolved"], let b = n.bool(&problems) { rc.sendResolved = b }
        if m["ca_file"] != nil { rc.caFile = readableFile("ca_file") }
        if let n = m["retry"] {
            let rm = n.mapping(allowed: AgentConfigKeys.retry, &problems)
            if let d = rm["initial"]?.duration(&problems, atLeast: .milliseconds(10)) { rc.retryInitial = d }
            if let d = rm["max"]?.duration(&problems, atLeast: .milliseconds(10)) { rc.retryMax = d }
            if let d = rm["max_age"]?.duration(&problems, atLeast: .seconds(1)) { rc.maxAge = d }
            if rc.retryMax < rc.retryInitial { problems.add(n.path + ".max", line: n.line, "must not be below initial") }
        }
        if let n = m["match"] {
            let mm = n.mapping(allowed: AgentConfigKeys.match, &problems)
            if let s = mm["severity"] {
                let values = s.strings(&problems)
                for v in values where v != "warning" && v != "critical" {
                    problems.add(s.path, line: s.line, "unknown severity \"\(v)\" (warning or critical)")
                }
                rc.severities = Set(values)
            }
            if let p = mm["pools"] { rc.poolGlobs = p.strings(&problems) }
        }
        guard name != nil, kind != nil, url != nil else { return nil }
        return rc
    }

    /// Why the agent, running as root, must not run `program` from a config in `configFile`:
    /// anyone but root able to change the program, its directory or the config could have
    /// root run what they like.
    static func programProblems(_ program: String, configFile: String) -> [String] {
        guard program.hasPrefix("/") else {
            return ["\(program): give the program's absolute path (it is run without a shell or PATH)"]
        }
        var out: [String] = []
        func rootOnly(_ path: String, _ what: String) {
            guard let st = try? FileStatus(path) else { return }
            if st.owner != 0 {
                out.append("\(what) \(path) is owned by uid \(st.owner), not root: the agent runs the program as root")
            } else if st.permissions & 0o022 != 0 {
                out.append(
                    "\(what) \(path) is writable by \(st.permissions & 0o020 != 0 ? "its group" : "others") (mode \(String(st.permissions, radix: 8))): only root may change what root runs"
                )
            }
        }
        guard let st = try? FileStatus(program) else { return ["\(program) does not exist"] }
        if st.kind != .regular {
            out.append("\(program) is not a regular file")
        } else if st.permissions & 0o111 == 0 {
            out.append("\(program) is not executable")
        }
        rootOnly(program, "the program")
        let directory = String(program[..<program.lastIndex(of: "/")!])
        rootOnly(directory.isEmpty ? "/" : directory, "its directory")
        rootOnly(configFile, "the configuration file")
        return out
    }

    /// Why `s` is not an http(s) URL, or nil. Never echoes the URL (it may hold a token).
    static func urlProblem(_ s: String) -> String? {
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), let host = u.host, !host.isEmpty else {
            return "not a URL (http://... or https://...)"
        }
        guard scheme == "http" || scheme == "https" else { return "must be http or https, not \(scheme)" }
        return nil
    }
}

extension ConfigNode {
    func isWord(_ w: String) -> Bool {
        if case .scalar(let s) = node { return s.string == w }
        return false
    }

    /// `off`, `false` or `null`: a threshold switched off.
    var isOff: Bool {
        guard case .scalar(let s) = node else { return false }
        return ["off", "false", "null", "~", "none"].contains(s.string.lowercased())
    }
}
