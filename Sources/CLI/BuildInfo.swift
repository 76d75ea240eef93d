/// What this binary is: its version (the VERSION file), the commit and branch it was built
/// from, when, and with which Swift -- stamped by Plugins/BuildStamp at build time, printed by
/// `--version` and exported as `thinpool_exporter_build_info`.
public enum BuildInfo {
    public static let version = BuildStamp.version
    public static let revision = BuildStamp.revision
    public static let branch = BuildStamp.branch
    /// UTC, `YYYYMMDD-HH:MM:SS`: the commit's date (or SOURCE_DATE_EPOCH), for reproducible builds.
    public static let buildDate = BuildStamp.buildDate
    public static let swiftVersion = BuildStamp.swiftVersion

    /// What `--version` prints, in prometheus/common's version.Print form.
    public static var text: String {
        """
        thinpool-exporter, version \(version) (branch: \(branch), revision: \(revision))
          build date:       \(buildDate)
          swift version:    \(swiftVersion)
          platform:         linux/\(architecture)
        """
    }

    static var architecture: String {
        #if arch(x86_64)
            return "amd64"
        #elseif arch(arm64)
            return "arm64"
        #else
            return "unknown"
        #endif
    }
}
