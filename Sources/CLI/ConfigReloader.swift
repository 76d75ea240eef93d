import ConfigFiles
import Logging
import ServiceLifecycle
import ThinPoolCore
import UnixSignals

/// Reloads `--config.file` on SIGHUP. A file with problems keeps the running configuration and
/// logs every problem.
struct ConfigReloader: Service {
    let path: String
    let apply: @Sendable (AgentConfig) -> Void
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                let config = try AgentConfig.load(path: path)
                apply(config)
                logger.info("configuration reloaded", metadata: ["file": "\(path)", "receivers": "\(config.receivers.count)"])
            } catch {
                logger.error("configuration not reloaded; keeping the running one", metadata: ["file": "\(path)", "problems": "\(error)"])
            }
        }
    }
}
