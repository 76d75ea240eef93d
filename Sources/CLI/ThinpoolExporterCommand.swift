import ArgumentParser

/// `thinpool-exporter`: watches device-mapper thin pools.
public struct ThinpoolExporterCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "thinpool-exporter",
        abstract: "Watch device-mapper thin pools: docker info's capacity numbers for Prometheus, alerts by webhook.",
        version: BuildInfo.text,
        subcommands: [ServeCommand.self, StatusCommand.self, ExtendCommand.self, ConfigCommand.self, BenchCommand.self],
        defaultSubcommand: ServeCommand.self
    )

    public init() {}
}

extension ThinpoolExporterCommand {
    /// Parses the process's arguments and runs the command, asynchronously. (A plain
    /// `main()` call from another module resolves to ParsableCommand's synchronous one.)
    public static func runAsync() async {
        await (self as AsyncParsableCommand.Type).main()
    }
}
