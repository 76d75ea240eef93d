/// Every key the agent's configuration file knows, by where it stands: the parser allows these
/// and no other, and a test holds deploy/thinpool-exporter.yml (the complete example) to show
/// each of them. A path names a mapping: "alerts.time_to_full"; "receivers[]" is each element of
/// the list.
public enum AgentConfigKeys {
    public static let top: Set<String> = [
        "poll_interval", "state_dir", "host", "repeat_interval", "pools", "min_free_space", "alerts", "autoextend", "overrides",
        "receivers", "space_scan", "docker_version",
    ]
    public static let pools: Set<String> = ["include", "exclude"]
    public static let override: Set<String> = ["match", "min_free_space", "alerts", "autoextend"]
    public static let alerts: Set<String> = [
        "data_used", "metadata_used", "min_free_space_margin", "time_to_full", "low_water", "out_of_data_space", "read_only", "fail",
        "needs_check", "stuck_after", "lvm_refuses_new_volumes",
    ]
    public static let ratio: Set<String> = ["warning", "critical", "hysteresis"]
    public static let timeToFull: Set<String> = ["warning", "critical", "window", "min_samples"]
    public static let autoextend: Set<String> = [
        "enabled", "dry_run", "executor", "data", "metadata", "cooldown", "backoff_max", "leave_to_dmeventd", "trim_first", "trim_interval",
    ]
    public static let space: Set<String> = ["threshold", "step", "max_size", "min_headroom"]
    public static let spaceScan: Set<String> = ["enabled", "interval", "timeout", "thin_ls", "thin_dump"]
    public static let receiver: Set<String> = [
        "name", "type", "url", "url_file", "hmac_secret_file", "routing_key", "routing_key_file", "timeout", "retry", "send_resolved",
        "match", "ca_file", "resend_interval", "command",
    ]
    public static let retry: Set<String> = ["initial", "max", "max_age"]
    public static let match: Set<String> = ["severity", "pools"]

    /// Every mapping of the file, by path, with its keys.
    public static let all: [String: Set<String>] = [
        "": top, "pools": pools, "alerts": alerts, "alerts.data_used": ratio, "alerts.metadata_used": ratio,
        "alerts.time_to_full": timeToFull, "autoextend": autoextend, "autoextend.data": space, "autoextend.metadata": space,
        "space_scan": spaceScan, "overrides[]": override, "receivers[]": receiver, "receivers[].retry": retry,
        "receivers[].match": match,
    ]
}
