import Foundation
import TestSupport
import Testing
import Yams

/// What operators drop in (deploy/, Containerfile) checked by the tools that will read it:
/// promtool, amtool, systemd-analyze, and the fields that matter in the Kubernetes manifests.
@Suite struct DeployTests {
    static func path(_ p: String) -> String { Repo.root.appendingPathComponent(p).path }
    static func text(_ p: String) throws -> String { try String(contentsOfFile: path(p), encoding: .utf8) }

    @Test func prometheusRulesPassPromtoolAndTheirUnitTests() throws {
        let promtool = try tool("promtool")
        let check = try runProgram(promtool, ["check", "rules", Self.path("deploy/prometheus/thinpool-rules.yml")])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS: 24 rules found"), "\(check.output)")
        let unit = try runProgram(promtool, ["test", "rules", Self.path("deploy/prometheus/thinpool-rules.test.yml")])
        #expect(unit.status == 0, "\(unit.output)")
        #expect(unit.output.contains("SUCCESS"), "\(unit.output)")
        let config = try runProgram(promtool, ["check", "config", Self.path("deploy/prometheus/prometheus.yml")])
        #expect(config.status == 0, "\(config.output)")
    }

    @Test func everyRuleHasATest() throws {
        let rules = try Self.text("deploy/prometheus/thinpool-rules.yml")
        let tests = try Self.text("deploy/prometheus/thinpool-rules.test.yml")
        let names = Set(
            rules.split(separator: "\n").compactMap { line -> String? in
                let t = line.trimmingCharacters(in: .whitespaces)
                return t.hasPrefix("- alert: ") ? String(t.dropFirst(9)) : nil
            })
        #expect(names.count == 19)
        for name in names {
            #expect(tests.contains("alertname: \(name)\n"), "no promtool test for \(name)")
        }
    }

    @Test func alertmanagerExampleIsValidAndRoutesBySeverity() throws {
        let amtool = try tool("amtool")
        let file = Self.path("deploy/alertmanager/alertmanager.yml")
        let check = try runProgram(amtool, ["check-config", file])
        #expect(check.status == 0, "\(check.output)")
        func route(_ labels: [String]) throws -> String {
            try runProgram(amtool, ["config", "routes", "test", "--config.file", file] + labels).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try route(["alertname=ThinPoolDataUsage", "severity=critical", "pool=p"]) == "storage-oncall,storage-team")
        #expect(try route(["alertname=ThinPoolDataUsage", "severity=warning", "pool=p"]) == "storage-team")
    }

    @Test func systemdUnitVerifiesAndIsConfined() throws {
        let unit = try Self.text("deploy/systemd/thinpool-exporter.service")
        // systemd-analyze verify checks the executable exists: point it at the one built.
        let dir = try makeTempDir(prefix: "unit")
        try unit.replacingOccurrences(of: "/usr/local/bin/thinpool-exporter", with: Repo.binary)
            .write(toFile: dir + "/thinpool-exporter.service", atomically: true, encoding: .utf8)
        let r = try runProgram(try tool("systemd-analyze"), ["verify", dir + "/thinpool-exporter.service"])
        #expect(r.status == 0 && r.output.isEmpty, "systemd-analyze verify: \(r.output)")
        for line in [
            "CapabilityBoundingSet=CAP_SYS_ADMIN CAP_IPC_LOCK CAP_SYS_RESOURCE CAP_SYS_NICE", "NoNewPrivileges=yes",
            "ProtectSystem=strict", "ProtectHome=yes", "StateDirectory=thinpool-exporter",
            "EnvironmentFile=-/etc/default/thinpool-exporter", "ExecReload=/bin/kill -HUP $MAINPID",
        ] {
            #expect(unit.contains("\n" + line + "\n"), "missing \(line)")
        }
        // The arguments it passes are ones serve accepts.
        let defaults = try Self.text("deploy/systemd/thinpool-exporter.default")
        #expect(defaults.contains("THINPOOL_EXPORTER_ARGS=\"--web.listen-address=:10234\""))
    }

    /// Every document of a YAML file, as plain values.
    static func documents(_ p: String) throws -> [[String: Any]] {
        try Yams.load_all(yaml: try text(p)).compactMap { $0 as? [String: Any] }
    }

    @Test func kubernetesManifestsHaveWhatMatters() throws {
        let docs = try Self.documents("deploy/kubernetes/thinpool-exporter.yaml")
        func kind(_ k: String) throws -> [String: Any] { try #require(docs.first { $0["kind"] as? String == k }, "no \(k)") }
        let ds = try kind("DaemonSet")
        #expect(ds["apiVersion"] as? String == "apps/v1")
        let spec = try #require(ds["spec"] as? [String: Any])
        let selector = try #require((spec["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        let template = try #require(spec["template"] as? [String: Any])
        let podLabels = try #require((template["metadata"] as? [String: Any])?["labels"] as? [String: String])
        #expect(selector.allSatisfy { podLabels[$0.key] == $0.value }, "the selector selects the pods")
        let pod = try #require(template["spec"] as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let image = try #require(container["image"] as? String)
        #expect(image.contains("thinpool-exporter:") && !image.hasSuffix(":latest"), "a pinned image: \(image)")
        let security = try #require(container["securityContext"] as? [String: Any])
        #expect(security["privileged"] as? Bool == true, "dm ioctls and host devices need it")
        #expect(security["readOnlyRootFilesystem"] as? Bool == true)
        let args = try #require(container["args"] as? [String])
        #expect(args.first == "serve")
        let port = try #require((container["ports"] as? [[String: Any]])?.first)
        #expect(port["containerPort"] as? Int == 10234 && port["name"] as? String == "metrics")
        #expect(args.contains("--web.listen-address=:10234"))
        for probe in ["livenessProbe", "readinessProbe"] {
            let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any], "no \(probe)")
            #expect(get["path"] as? String == "/healthz" && get["port"] as? String == "metrics", "\(probe)")
        }
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        func mount(_ path: String) -> [String: Any]? { mounts.first { $0["mountPath"] as? String == path } }
        #expect(mount("/dev") != nil, "/dev/mapper/control and loop devices")
        #expect(mount("/dev")?["readOnly"] as? Bool != true)
        for ro in ["/var/lib/docker", "/etc/docker", "/etc/containerd", "/etc/thinpool-exporter"] {
            #expect(mount(ro)?["readOnly"] as? Bool == true, "\(ro) mounted read-only")
        }
        #expect(mount("/var/lib/thinpool-exporter") != nil, "the agent's state survives the pod")
        let volumes = Set(((pod["volumes"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
        #expect(Set(mounts.compactMap { $0["name"] as? String }).isSubset(of: volumes), "every mount has its volume")

        // The Service selects the pods and names the port; the ServiceMonitor selects the Service.
        let service = try kind("Service")
        let sspec = try #require(service["spec"] as? [String: Any])
        #expect((sspec["selector"] as? [String: String])?.allSatisfy { podLabels[$0.key] == $0.value } == true)
        let sport = try #require((sspec["ports"] as? [[String: Any]])?.first)
        #expect(sport["name"] as? String == "metrics" && sport["port"] as? Int == 10234)
        let serviceLabels = try #require((service["metadata"] as? [String: Any])?["labels"] as? [String: String])
        let monitor = try #require(try Self.documents("deploy/kubernetes/servicemonitor.yaml").first)
        #expect(monitor["kind"] as? String == "ServiceMonitor")
        let mspec = try #require(monitor["spec"] as? [String: Any])
        let mselector = try #require((mspec["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        #expect(mselector.allSatisfy { serviceLabels[$0.key] == $0.value })
        #expect((mspec["endpoints"] as? [[String: Any]])?.first?["port"] as? String == "metrics")
        // The rules' job label is the Service's name (the Prometheus Operator's default).
        #expect((service["metadata"] as? [String: Any])?["name"] as? String == "thinpool-exporter")

        // The agent's config in the ConfigMap passes `config check`.
        let config = try #require(((try kind("ConfigMap"))["data"] as? [String: String])?["thinpool-exporter.yml"])
        let dir = try makeTempDir(["agent.yml": config], prefix: "cm")
        let check = try run(["config", "check", dir + "/agent.yml"])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test func prometheusRuleIsTheRulesFile() throws {
        let rule = try #require(try Self.documents("deploy/kubernetes/prometheusrule.yaml").first)
        #expect(rule["kind"] as? String == "PrometheusRule")
        let rules = try #require(try Yams.load(yaml: try Self.text("deploy/prometheus/thinpool-rules.yml")))
        func canonical(_ v: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: v, options: [.sortedKeys]), as: UTF8.self)
        }
        #expect(
            try canonical(try #require(rule["spec"])) == (try canonical(rules)),
            "deploy/kubernetes/make-prometheusrule.sh was not rerun after the rules changed")
    }

    @Test func containerfileInstallsEveryLibraryTheBinaryLoads() throws {
        let file = try Self.text("Containerfile")
        let stages = file.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(file.contains("COPY --from=build /out/thinpool-exporter /usr/local/bin/thinpool-exporter"))
        #expect(file.contains("ENTRYPOINT [\"/usr/local/bin/thinpool-exporter\"]"))
        #expect(file.contains("EXPOSE 10234"))
        // The runtime stage's packages.
        let runtime = try #require(file.components(separatedBy: "FROM docker.io/library/debian:bookworm-slim").last)
        let installed = Set(runtime.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\\" }).map(String.init))
        // What debian:bookworm-slim already has (libc, and what apt itself needs).
        let base: Set<String> = ["libc6", "libgcc-s1", "libstdc++6", "libcrypt1", "zlib1g"]
        // The binary's own NEEDED libraries from the system (the Swift runtime is linked in by
        // --static-swift-stdlib, so the debug binary's libswift* are not counted).
        let needed = try runProgram(try tool("readelf"), ["-d", Repo.binary]).stdout.split(separator: "\n")
            .compactMap { line -> String? in
                guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else {
                    return nil
                }
                return String(line[line.index(after: open)..<close])
            }
        let ldd = try runProgram(try tool("ldd"), [Repo.binary]).stdout
        var packages: Set<String> = []
        for soname in needed
        where !soname.hasPrefix("libswift") && !soname.hasPrefix("lib_") && !soname.contains("Foundation")
            && !soname.hasPrefix("libdispatch") && !soname.hasPrefix("libBlocksRuntime")
        {
            guard let line = ldd.split(separator: "\n").first(where: { $0.contains(soname + " =>") }),
                let path = line.split(separator: " ").first(where: { $0.hasPrefix("/") })
            else { continue }
            let real = URL(fileURLWithPath: String(path)).resolvingSymlinksInPath().path
            var owner: String?
            for candidate in [String(path), real, "/usr" + path, "/usr" + real] {
                let r = try runProgram(try tool("dpkg"), ["-S", candidate])
                if r.status == 0 {
                    owner = r.stdout.split(separator: ":").first.map(String.init)
                    break
                }
            }
            let pkg = try #require(owner, "no package owns \(soname) (\(path))")
            packages.insert(pkg)
        }
        #expect(packages.isSuperset(of: ["libdevmapper1.02.1", "libcurl4", "libssl3"]), "\(packages)")
        for p in packages {
            #expect(installed.contains(p) || base.contains(p), "the image lacks \(p), which the binary loads")
        }
    }
}
