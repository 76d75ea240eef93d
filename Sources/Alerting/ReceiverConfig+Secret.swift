import Foundation
import SystemIO
import ThinPoolCore

extension ReceiverConfig.Secret {
    /// The value: as written, or read from its file now, whitespace trimmed. Never logged.
    public func resolve() throws(FileError) -> String {
        switch self {
        case .value(let v): return v
        case .file(let path): return try readTextFile(path).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
