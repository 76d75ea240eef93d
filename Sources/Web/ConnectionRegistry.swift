import NIOCore
import SystemIO

/// Caps open connections. When the cap is reached, the connection idle longest (no request
/// being answered) is closed to admit the new one: idle or trickling clients cannot lock a
/// scraper out. Only when every connection is busy is the new one refused.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        var channel: any Channel
        var busy: Bool
        var lastActivity: NIODeadline
    }

    let limit: Int
    private let entries = Locked<[ObjectIdentifier: Entry]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    var count: Int { entries.withLock { $0.count } }
    var busyCount: Int { entries.withLock { $0.values.filter(\.busy).count } }

    /// Registers `channel`; false when every slot is busy (close it).
    func admit(_ channel: any Channel) -> Bool {
        let victim: (any Channel)? = entries.withLock { e in
            var victim: (any Channel)?
            if e.count >= limit {
                guard let oldest = e.filter({ !$0.value.busy }).min(by: { $0.value.lastActivity < $1.value.lastActivity }) else {
                    return nil as (any Channel)?
                }
                victim = oldest.value.channel
                e[oldest.key] = nil
            }
            e[ObjectIdentifier(channel)] = Entry(channel: channel, busy: false, lastActivity: .now())
            return victim
        }
        if let victim {
            victim.close(promise: nil)
            return true
        }
        return entries.withLock { $0[ObjectIdentifier(channel)] != nil }
    }

    func setBusy(_ channel: any Channel, _ busy: Bool) {
        entries.withLock {
            $0[ObjectIdentifier(channel)]?.busy = busy
            $0[ObjectIdentifier(channel)]?.lastActivity = .now()
        }
    }

    func remove(_ channel: any Channel) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Closes connections with no request in flight (graceful shutdown); returns when closed.
    func closeIdle() async {
        await close(entries.withLock { $0.values.filter { !$0.busy }.map(\.channel) })
    }

    /// Closes every connection; returns when they are closed.
    func closeAll() async {
        await close(entries.withLock { $0.values.map(\.channel) })
    }

    private func close(_ channels: [any Channel]) async {
        for c in channels {
            // Already closing or closed is fine: all that matters is that it is closed after.
            try? await c.close()
            try? await c.closeFuture.get()
        }
    }
}
