import ArgumentParser
import ConfigFiles
import ThinPoolCore

/// `thinpool-exporter config check FILE`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with the configuration file.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a configuration file without running: every problem at once, with its path and line.",
            discussion: "Exit status: 0 valid; 78 problems found (listed on stderr).")

        @Argument(help: "The configuration file.")
        var file: String

        func run() throws {
            do {
                let c = try AgentConfig.load(path: file)
                print(
                    "\(file): ok (\(c.receivers.count) receiver\(c.receivers.count == 1 ? "" : "s"), \(c.overrides.count) override\(c.overrides.count == 1 ? "" : "s"), poll every \(c.pollInterval))"
                )
            } catch {
                printError(error.description)
                throw ExitCode(78)
            }
        }
    }
}
