import Foundation
import Logging
import Reader
import SystemIO
import ThinPoolCore

/// Autoextend's decisions by pool, kind and result.
public struct AutoextendStats: Sendable, Equatable {
    public struct Decision: Sendable, Equatable {
        public var pool, kind, result: String
        public var count: UInt64
    }

    public var decisions: [Decision]
}
