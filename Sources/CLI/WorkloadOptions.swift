import ArgumentParser
import DeviceMapper
import Foundation
import Logging
import Reader
import SystemIO
import ThinPoolCore
import Workloads

/// Where to learn what uses the pools (docker, containerd, LVM).
struct WorkloadOptions: ParsableArguments {
    @Option(
        name: .customLong("docker.root"),
        help: ArgumentHelp(
            "docker's data root, to name containers and layers on its devicemapper pool (default: daemon.json's data-root, "
                + "else /var/lib/docker when it holds devicemapper metadata; 'none': do not look).",
            valueName: "DIR"))
    var dockerRoot: String?

    @Option(
        name: .customLong("docker.config"),
        help: ArgumentHelp(
            "dockerd's daemon.json, for dm.min_free_space, dm.thinpooldev and data-root (default /etc/docker/daemon.json; 'none').",
            valueName: "FILE"))
    var dockerConfig: String?

    @Option(
        name: .customLong("containerd.config"),
        help: ArgumentHelp(
            "containerd's config.toml, for the devmapper snapshotter's pool_name (default /etc/containerd/config.toml; 'none').",
            valueName: "FILE"))
    var containerdConfig: String?

    @Option(
        name: .customLong("docker.version"),
        help: ArgumentHelp(
            "The docker version whose words docker's storage-driver lines are in (e.g. 17.03.2-ce: \"65.54 kB\" and "
                + "docker's first line order before 17.11). Default: the configuration file's docker_version, else asked of "
                + "docker's API socket, else docker 17.11 and later's.", valueName: "VERSION"))
    var dockerVersion: String?

    func validate() throws {
        if let v = dockerVersion, DockerVersion(v) == nil {
            throw ValidationError("--docker.version: '\(v)' is not a docker version (MAJOR.MINOR[.PATCH], e.g. 17.03.2-ce)")
        }
    }

    /// The sources these options name. With fixtures, only what is named explicitly is read
    /// (and VG sizes come from the fixture's `vgs` file), so a fixture never mixes with the host.
    /// docker's version: --docker.version, else `configuredVersion` (the configuration file's),
    /// else asked of docker's API -- `synchronously` for a one-off command -- but never for
    /// pools read from fixtures (the host's docker is not theirs).
    func sources(fixtures: String?, logger: Logger, configuredVersion: String? = nil, synchronously: Bool = false) -> WorkloadSources {
        func path(_ value: String?, default d: String?) -> String? {
            guard let value else { return fixtures == nil ? d : nil }
            return value == "none" || value.isEmpty ? nil : value
        }
        for (flag, value) in [("--docker.root", dockerRoot), ("--docker.config", dockerConfig), ("--containerd.config", containerdConfig)] {
            if let value, value != "none", !value.isEmpty, !fileExists(value) {
                logger.warning("\(flag) \(value): no such file or directory (looked for again at every collection)")
            }
        }
        let disabled = dockerRoot == "none" || dockerRoot == ""
        let options = WorkloadSources.Options(
            dockerRoot: disabled ? nil : dockerRoot,
            detectDocker: fixtures == nil && !disabled,
            dockerConfig: path(dockerConfig, default: "/etc/docker/daemon.json"),
            containerdConfig: path(containerdConfig, default: "/etc/containerd/config.toml"),
            volumeGroups: fixtures.map { FileVolumeGroups(path: $0 + "/vgs") } ?? LVMVolumeGroups())
        var withVersion = options
        if let v = dockerVersion.flatMap(DockerVersion.init) {
            withVersion.dockerVersion = .fixed(v, .flag)
        } else if let v = configuredVersion.flatMap(DockerVersion.init) {
            withVersion.dockerVersion = .fixed(v, .config)
        } else if fixtures != nil {
            withVersion.dockerVersion = .none("pools read from --dm.fixtures: this host's docker is not asked; --docker.version says")
        } else {
            withVersion.dockerVersion = .ask(synchronously: synchronously)
        }
        return WorkloadSources(options: withVersion, logger: logger)
    }
}
