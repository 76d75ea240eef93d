import AgentConfig
import Alerting
import DeviceMapper
import Exposition
import Foundation
import Logging
import PoolReader
import ThinPool

/// Grows pools by themselves: plans on every reading the agent makes (dm events and polls),
/// acts on a thread of its own, one action at a time, verifies by re-reading, and records
/// every action and refusal in the log, the metrics and the receivers' notifications.
public final class Autoextender: @unchecked Sendable {
    public struct Outcome: Sendable, Equatable {
        public enum Result: String, Sendable { case extended, refused, failed, dryRun = "dry_run", leftToLVM = "left_to_lvm" }
        public var pool: String
        public var kind: SpaceKind
        public var result: Result
        public var message: String
    }

    private let lock = NSCondition()
    private let reader: PoolReader
    private let dm: any DeviceMapper
    private let devices: BlockDevices
    private let alerting: AlertingService?
    private let logger: Logger
    private let now: @Sendable () -> Date
    private var policyFor: @Sendable (String) -> AutoextendPolicy
    private var history: [String: ExtendHistory] = [:]
    private var queue: [(pool: String, kind: SpaceKind)] = []
    /// Jobs to run again when their cooldown or backoff ends (no event may come then).
    private var deferred: [(pool: String, kind: SpaceKind, at: Date)] = []
    private var busy: Set<String> = []
    private var counts: [String: UInt64] = [:]
    /// Refusals already told, so a pool stuck over its threshold is not re-announced each poll.
    private var refusalTold: [String: String] = [:]
    private var running = false
    private var worker: Thread?
    /// Why nothing can be extended at all (pools read from fixtures), or nil.
    private let cannotAct: String?

    public init(reader: PoolReader, dm: any DeviceMapper, devices: BlockDevices = BlockDevices(), alerting: AlertingService?,
                policy: @escaping @Sendable (String) -> AutoextendPolicy, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }, cannotAct: String? = nil) {
        self.cannotAct = cannotAct
        self.reader = reader
        self.dm = dm
        self.devices = devices
        self.alerting = alerting
        self.policyFor = policy
        self.logger = logger
        self.now = now
    }

    public func start() {
        lock.lock()
        defer { lock.unlock() }
        guard !running else { return }
        running = true
        let t = Thread { [weak self] in self?.loop() }
        t.name = "autoextend"
        worker = t
        t.start()
    }

    public func stop() {
        lock.lock()
        running = false
        lock.broadcast()
        let t = worker
        lock.unlock()
        let deadline = Date().addingTimeInterval(130)
        while t?.isExecuting == true, Date() < deadline { usleep(10_000) }
    }

    public func update(policy: @escaping @Sendable (String) -> AutoextendPolicy) {
        lock.lock()
        policyFor = policy
        lock.unlock()
    }

    /// Called with every reading: queues an action when one is due. Never blocks on I/O.
    public func observe(_ reading: PoolReading) {
        let policy = currentPolicy(reading.name)
        guard policy.enabled, let c = reading.capacity else { return }
        lock.lock()
        defer { lock.unlock() }
        // Counters exist from the start (at 0), so increase() sees the first action.
        for kind in SpaceKind.allCases {
            for result in [Outcome.Result.extended, .refused, .failed, .dryRun] {
                counts["\(reading.name)\u{0}\(kind.rawValue)\u{0}\(result.rawValue)", default: 0] += 0
            }
        }
        for kind in SpaceKind.allCases {
            let space = kind == .data ? policy.data : policy.metadata
            let ratio = kind == .data ? c.data.usedRatio : c.metadata.usedRatio
            let full = kind == .data && reading.snapshot?.mode == .outOfDataSpace
            guard ratio >= space.threshold || full else { continue }
            guard !busy.contains(reading.name), !queue.contains(where: { $0.pool == reading.name && $0.kind == kind }) else { continue }
            queue.append((reading.name, kind))
        }
        lock.broadcast()
    }

    private func currentPolicy(_ pool: String) -> AutoextendPolicy {
        lock.lock()
        defer { lock.unlock() }
        return policyFor(pool)
    }

    private func loop() {
        lock.lock()
        while running {
            let t = now()
            for d in deferred where d.at <= t && !queue.contains(where: { $0.pool == d.pool && $0.kind == d.kind }) {
                queue.append((d.pool, d.kind))
            }
            deferred.removeAll { $0.at <= t }
            guard !queue.isEmpty else {
                if let next = deferred.map(\.at).min() { _ = lock.wait(until: next) } else { lock.wait() }
                continue
            }
            let job = queue.removeFirst()
            busy.insert(job.pool)
            lock.unlock()
            _ = run(pool: job.pool, kind: job.kind, override: nil, dryRun: nil, automatic: true)
            lock.lock()
            busy.remove(job.pool)
        }
        lock.unlock()
    }

    /// Plans and (unless dry-run or refused) extends one pool's data or metadata now: what the
    /// agent does on its own and what `thinpool-exporter extend` runs.
    @discardableResult
    public func run(pool name: String, kind: SpaceKind, override: AutoextendPolicy.Step?, dryRun: Bool?,
                    automatic: Bool = false) -> Outcome {
        let policy = currentPolicy(name)
        let dry = dryRun ?? policy.dryRun
        let key = "\(name)/\(kind.rawValue)"
        func done(_ result: Outcome.Result, _ message: String) -> Outcome {
            lock.lock()
            counts["\(name)\u{0}\(kind.rawValue)\u{0}\(result.rawValue)", default: 0] += 1
            lock.unlock()
            return Outcome(pool: name, kind: kind, result: result, message: message)
        }
        let reading: PoolReading
        do { reading = try reader.read(pool: name) } catch {
            return done(.failed, "cannot read pool \(name): \(error)")
        }
        guard let snapshot = reading.snapshot else {
            return done(.refused, "pool \(name) cannot be read: \(reading.error.map { "\($0)" } ?? "")")
        }
        lock.lock()
        let hist = history[key] ?? ExtendHistory()
        lock.unlock()
        let t = now()
        let executor = chooseExecutor(policy.executor, kind: kind, pool: snapshot, dm: dm, devices: devices)
        // Measure the backing store (statfs, `lvm vgs`) only when the cheap checks let it act.
        let gate = cannotAct.map { ExtendPlan.refuse(reason: $0) }
            ?? ExtendPlanner.gate(kind, reading: reading, policy: policy, history: hist, now: t, override: override)
        var room: BackingRoom?
        if gate == nil {
            do { room = try executor?.room(kind, pool: snapshot) } catch {
                logger.warning("autoextend cannot measure the backing store", metadata: ["pool": "\(name)", "error": "\(error)"])
            }
        }
        switch gate ?? ExtendPlanner.size(kind, reading: reading, policy: policy, room: room, override: override) {
        case .nothing:
            if automatic { clearFailure(name, key) }
            // Not counted: a re-check that finds the pool already grown is no refusal.
            return Outcome(pool: name, kind: kind, result: .refused, message: "nothing to do: \(kind.rawValue) is below its threshold")
        case .wait(let until, let reason):
            if automatic {
                lock.lock()
                deferred.removeAll { $0.pool == name && $0.kind == kind }
                deferred.append((name, kind, until))
                lock.broadcast()
                lock.unlock()
            }
            return Outcome(pool: name, kind: kind, result: .refused, message: "\(reason): next attempt after \(until)")
        case .leave(let reason):
            // Said (logged, counted) once while it stands, not at every reading.
            lock.lock()
            let told = refusalTold[key] == reason
            refusalTold[key] = reason
            lock.unlock()
            if told { return Outcome(pool: name, kind: kind, result: .leftToLVM, message: reason) }
            logger.notice("autoextend leaves the pool to LVM", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)", "reason": "\(reason)"])
            alerting?.setExternal(pool: name, name: .autoextendFailed, nil)
            return done(.leftToLVM, reason)
        case .refuse(let reason):
            let message = "autoextend refused for pool \(name): \(reason)"
            lock.lock()
            var h = history[key] ?? ExtendHistory()
            h.failures += 1
            h.lastFailure = t
            history[key] = h
            let told = refusalTold[key] == reason
            refusalTold[key] = reason
            lock.unlock()
            if !told {
                logger.error("autoextend refused", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)", "reason": "\(reason)"])
                alerting?.setExternal(pool: name, name: .autoextendFailed, Condition(severity: .critical, summary: message,
                    description: "The pool needs more \(kind.rawValue) space and autoextend cannot give it; extend it by hand."))
            }
            return done(.refused, message)
        case .extend(let from, let to, let reason):
            let h: (UInt64) -> String = DockerUnits.humanSize
            guard let executor else { return done(.refused, "no executor") }
            let what = "grow pool \(name) \(kind.rawValue) from \(h(from)) to \(h(to)) with \(executor.name) (\(reason))"
            if dry {
                logger.notice("autoextend dry run: would \(what)", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)"])
                lock.lock()
                var hh = history[key] ?? ExtendHistory()
                hh.lastAction = t
                history[key] = hh
                lock.unlock()
                return done(.dryRun, "dry run: would \(what)")
            }
            logger.notice("autoextend: \(what)", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)"])
            do {
                let did = try executor.extend(kind, pool: snapshot, to: to)
                let after = try verify(name, kind: kind, from: from, to: to)
                lock.lock()
                var hh = history[key] ?? ExtendHistory()
                hh.lastAction = now()
                hh.failures = 0
                hh.lastFailure = nil
                history[key] = hh
                refusalTold[key] = nil
                lock.unlock()
                let message = "pool \(name) \(kind.rawValue) grown from \(h(from)) to \(h(after)) by \(executor.name) (\(reason))"
                logger.notice("autoextend done", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)", "did": "\(did)",
                                                            "from": "\(from)", "to": "\(after)"])
                alerting?.announce(pool: name, name: .autoextended, Condition(severity: .warning, summary: message, description: did))
                alerting?.setExternal(pool: name, name: .autoextendFailed, nil)
                return done(.extended, message)
            } catch {
                lock.lock()
                var hh = history[key] ?? ExtendHistory()
                hh.failures += 1
                hh.lastFailure = now()
                history[key] = hh
                lock.unlock()
                let message = "autoextend failed for pool \(name): \(what): \(error)"
                logger.error("autoextend failed", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)", "error": "\(error)"])
                alerting?.setExternal(pool: name, name: .autoextendFailed, Condition(severity: .critical, summary: message,
                    description: "The pool needs more \(kind.rawValue) space and the extension failed; it will be retried with backoff."))
                return done(.failed, message)
            }
        }
    }

    private func clearFailure(_ pool: String, _ key: String) {
        lock.lock()
        let had = refusalTold[key] != nil || (history[key]?.failures ?? 0) > 0
        refusalTold[key] = nil
        history[key]?.failures = 0
        lock.unlock()
        if had { alerting?.setExternal(pool: pool, name: .autoextendFailed, nil) }
    }

    /// Re-reads the pool: the new total must be there and the pool writable.
    private func verify(_ name: String, kind: SpaceKind, from: UInt64, to: UInt64) throws -> UInt64 {
        var last: PoolReading?
        for _ in 0..<50 {
            let r = try reader.read(pool: name)
            last = r
            if let c = r.capacity, r.snapshot?.suspended == false {
                let total = (kind == .data ? c.data.total : c.metadata.total).rawValue
                if total > from, total + (kind == .data ? 0 : MetadataBlocks.size) >= to || total >= to {
                    guard r.snapshot?.mode == .readWrite else {
                        throw ExtendError("the pool grew to \(total) bytes but its mode is \(r.snapshot?.mode?.rawValue ?? "unknown"), not rw")
                    }
                    return total
                }
            }
            usleep(100_000)
        }
        throw ExtendError("after the extension the pool reads \((kind == .data ? last?.capacity?.data.total : last?.capacity?.metadata.total)?.rawValue ?? 0) bytes of \(kind.rawValue), not \(to)")
    }

    public func metrics() -> [MetricFamily] {
        lock.lock()
        defer { lock.unlock() }
        var total = MetricFamily("thinpool_autoextend", .counter,
                                 help: "Autoextend decisions by pool, kind (data, metadata) and result: extended, refused (not allowed: needs_check, maximum size, headroom, unknown backing), failed, dry_run, left_to_lvm (LVM's dmeventd grows the pool itself; counted once each time it starts to).")
        for (key, v) in counts.sorted(by: { $0.key < $1.key }) {
            let p = key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            total.add(["pool": p[0], "kind": p[1], "result": p[2]], .integer(v))
        }
        return [total]
    }
}
