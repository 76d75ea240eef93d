import Testing
import ThinPoolCore

/// The agent's settings as values: which pools it watches, which policy a pool gets.
@Suite struct AgentConfigTests {
    @Test func poolsAreChosenByIncludeThenExcludeGlobs() {
        var c = AgentConfig()
        #expect(c.watches("anything"), "all pools by default")
        c.pools = PoolSelection(include: ["docker-*", "pve-data-tpool"], exclude: ["docker-*-test-pool"])
        #expect(c.watches("docker-thinpool"))
        #expect(c.watches("pve-data-tpool"))
        #expect(!c.watches("docker-8:1-99-test-pool"), "excluded although included")
        #expect(!c.watches("qubes_dom0-vm--pool-tpool"), "not included")
    }

    @Test func theFirstMatchingOverrideGivesThePolicyAndTheRestGetTheDefaults() {
        var c = AgentConfig()
        c.defaults.alerts.dataUsed.warning = 0.75
        var docker = c.defaults
        docker.autoextend.enabled = true
        var all = c.defaults
        all.minFreeSpacePercent = 20
        c.overrides = [PoolOverride(match: ["docker-*"], policy: docker), PoolOverride(match: ["*"], policy: all)]
        #expect(c.policy(for: "docker-thinpool").autoextend.enabled)
        #expect(c.policy(for: "docker-thinpool").minFreeSpacePercent == nil, "the first match only")
        #expect(c.policy(for: "pve-data-tpool").minFreeSpacePercent == 20)
        c.overrides.removeLast()
        #expect(c.policy(for: "pve-data-tpool") == c.defaults)
        #expect(c.policy(for: "pve-data-tpool").alerts.dataUsed.warning == 0.75)
    }

    @Test func globsAreFnmatchs() {
        #expect(glob("vm-*-disk-?", "vm-104-disk-0"))
        #expect(!glob("vm-*-disk-?", "vm-104-disk-10"))
        #expect(glob("docker-[0-9]*:*-pool", "docker-253:0-1234-pool"))
        #expect(!glob("docker-*", "Docker-x"), "case matters")
    }

    @Test func theDefaultsAreTheDocumentedOnes() {
        let c = AgentConfig()
        #expect(c.pollInterval == .seconds(10))
        #expect(c.repeatInterval == .seconds(4 * 3600))
        #expect(c.stateDirectory == "/var/lib/thinpool-exporter")
        #expect(!c.spaceScan.enabled, "a scan reserves metadata snapshots: only when asked")
        #expect(!c.defaults.autoextend.enabled)
        #expect(c.defaults.alerts.dataUsed == RatioRule(warning: 0.80, critical: 0.90))
        #expect(c.defaults.alerts.stuckAfter == .seconds(60))
    }
}
