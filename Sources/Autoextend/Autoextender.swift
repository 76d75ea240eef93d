import Foundation
import Logging
import Reader
import SystemIO
import ThinPoolCore

extension AlertName {
    /// Autoextend grew the pool (a one-time announcement).
    public static let autoextended = AlertName("ThinPoolAutoextended")
    /// Autoextend should grow the pool but refused or failed; resolves once it succeeds or is no
    /// longer needed.
    public static let autoextendFailed = AlertName("ThinPoolAutoextendFailed")
}

/// Grows pools by themselves: plans on every reading the agent makes (dm events and polls),
/// acts on a thread of its own, one action at a time, verifies by re-reading, and records
/// every action and refusal in the log, the metrics and -- through an ``AlertPublisher`` -- the
/// receivers' notifications.
///
/// All mutable state is one value behind one lock with a condition (``Locked``).
public final class Autoextender: PoolObserver, Sendable {
    public struct Outcome: Sendable, Equatable {
        public enum Result: String, Sendable, CaseIterable {
            case extended, refused, failed
            /// A trim of the pool's volumes brought it under its threshold: not grown.
            case trimmed
            case dryRun = "dry_run"
            case leftToLVM = "left_to_lvm"
        }
        public var pool: String
        public var kind: SpaceKind
        public var result: Result
        public var message: String
    }

    private struct Job: Equatable {
        var pool: String
        var kind: SpaceKind
    }

    private struct State {
        var policyFor: @Sendable (String) -> AutoextendPolicy
        var history: [String: ExtendHistory] = [:]
        var queue: [Job] = []
        /// Jobs to run again when their cooldown or backoff ends (no event may come then).
        var deferred: [(job: Job, at: Date)] = []
        var busy: Set<String> = []
        /// Decisions by "pool\0kind\0result".
        var counts: [String: UInt64] = [:]
        /// Refusals (and hand-overs to LVM) already told, so a pool stuck over its threshold is
        /// not re-announced at each poll.
        var told: [String: String] = [:]
        var running = false
        var workerDone = true
    }

    private let state: Locked<State>
    private let reader: PoolReader
    private let dm: any DeviceMapperClient
    private let sysfs: Sysfs
    private let alerts: (any AlertPublisher)?
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// Why nothing can be extended at all (pools read from fixtures), or nil.
    private let cannotAct: String?
    /// Trims a pool's volumes before growing it (when its policy says trim_first).
    private let trimmer: (any PoolTrimmer)?

    public init(
        reader: PoolReader, dm: any DeviceMapperClient, sysfs: Sysfs = Sysfs(), alerts: (any AlertPublisher)?,
        policy: @escaping @Sendable (String) -> AutoextendPolicy, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }, cannotAct: String? = nil, trimmer: (any PoolTrimmer)? = nil
    ) {
        self.trimmer = trimmer
        self.state = Locked(State(policyFor: policy))
        self.cannotAct = cannotAct
        self.reader = reader
        self.dm = dm
        self.sysfs = sysfs
        self.alerts = alerts
        self.logger = logger
        self.now = now
    }

    public func start() {
        let start = state.withLock { s -> Bool in
            guard !s.running else { return false }
            s.running = true
            s.workerDone = false
            return true
        }
        guard start else { return }
        startThread(named: "autoextend") { [self] in
            loop()
            state.update { $0.workerDone = true }
        }
    }

    /// Stops the worker and waits for it: an extension in progress finishes (at most 130 s,
    /// lvm's timeout and the verification).
    public func stop() {
        state.update { $0.running = false }
        _ = state.wait(until: Locked<State>.deadline(after: 130)) { s in s.workerDone ? true : nil }
    }

    public func update(policy: @escaping @Sendable (String) -> AutoextendPolicy) {
        state.withLock { $0.policyFor = policy }
    }

    public func observe(_ report: HostReading) {
        for r in report.pools { observe(pool: r) }
    }

    /// Called with every reading: queues an action when one is due. Never blocks on I/O.
    public func observe(pool reading: PoolReading) {
        state.update { s in
            let policy = s.policyFor(reading.name)
            guard policy.enabled, let c = reading.capacity else { return }
            // Counters exist from the start (at 0), so increase() sees the first action.
            for kind in SpaceKind.allCases {
                // Trimming frees data blocks only: no metadata "trimmed" series.
                for result in Outcome.Result.allCases where !(kind == .metadata && result == .trimmed) {
                    s.counts[Self.countKey(reading.name, kind, result), default: 0] += 0
                }
            }
            for kind in SpaceKind.allCases {
                let space = kind == .data ? policy.data : policy.metadata
                let ratio = kind == .data ? c.data.usedRatio : c.metadata.usedRatio
                let full = kind == .data && reading.pool?.mode == .outOfDataSpace
                guard ratio >= space.threshold || full else { continue }
                let job = Job(pool: reading.name, kind: kind)
                guard !s.busy.contains(reading.name) else { continue }
                if full {
                    // Out of data space: its writes are queued against the kernel's timeout
                    // (or failing): this pool goes first.
                    s.queue.removeAll { $0 == job }
                    s.queue.insert(job, at: 0)
                } else if !s.queue.contains(job) {
                    s.queue.append(job)
                }
            }
        }
    }

    private func loop() {
        while true {
            // Wait for a job, a deferred job's time, or the stop; the earliest deferral bounds
            // the wait.
            let deadline = state.withLock { s in
                s.deferred.map(\.at).min().map { Locked<State>.deadline(after: $0.timeIntervalSince(now())) }
            }
            let next = state.wait(until: deadline) { s -> Job?? in
                guard s.running else { return .some(nil) }
                let t = now()
                for d in s.deferred where d.at <= t && !s.queue.contains(d.job) { s.queue.append(d.job) }
                s.deferred.removeAll { $0.at <= t }
                guard !s.queue.isEmpty else { return nil }
                let job = s.queue.removeFirst()
                s.busy.insert(job.pool)
                return .some(job)
            }
            guard let found = next else { continue }  // a deferral came due: look again
            guard let job = found else { return }  // stopped
            _ = run(pool: job.pool, kind: job.kind, override: nil, dryRun: nil, automatic: true)
            state.update { _ = $0.busy.remove(job.pool) }
        }
    }

    static func countKey(_ pool: String, _ kind: SpaceKind, _ result: Outcome.Result) -> String {
        "\(pool)\u{0}\(kind.rawValue)\u{0}\(result.rawValue)"
    }

    /// Plans and (unless dry-run or refused) extends one pool's data or metadata now: what the
    /// agent does on its own and what `thinpool-exporter extend` runs.
    @discardableResult
    public func run(
        pool name: String, kind: SpaceKind, override: AutoextendPolicy.Step?, dryRun: Bool?,
        automatic: Bool = false
    ) -> Outcome {
        let policy = state.withLock { $0.policyFor(name) }
        let dry = dryRun ?? policy.dryRun
        let key = "\(name)/\(kind.rawValue)"
        func done(_ result: Outcome.Result, _ message: String) -> Outcome {
            state.withLock { $0.counts[Self.countKey(name, kind, result), default: 0] += 1 }
            return Outcome(pool: name, kind: kind, result: result, message: message)
        }
        let reading: PoolReading
        do { reading = try reader.read(pool: name, freshTable: true) } catch {
            return done(.failed, "cannot read pool \(name): \(error)")
        }
        guard let snapshot = reading.pool else {
            return done(.refused, "pool \(name) cannot be read: \(reading.error.map { "\($0)" } ?? "")")
        }
        let hist = state.withLock { $0.history[key] ?? ExtendHistory() }
        let t = now()
        let executor = chooseExecutor(policy.executor, kind: kind, pool: snapshot, dm: dm, sysfs: sysfs)
        // Measure the backing store (statfs, `lvm vgs`) only when the cheap checks let it act.
        let gate =
            cannotAct.map { ExtendPlan.refuse(reason: $0) }
            ?? ExtendPlanner.gate(kind, reading: reading, policy: policy, history: hist, now: t, override: override)
        // Trim first (trim_first): before the backing store is measured, so a pool whose
        // growth the backing could not afford is still brought under its threshold by a trim.
        var sizing = reading
        var sizingOverride = override
        var trimNote = ""
        if gate == nil, kind == .data, override == nil, policy.trimFirst, let trimmer,
            let blockSize = snapshot.table.blockSize.bytes?.rawValue, let reclaimable = trimmer.reclaimable(pool: name),
            reclaimable >= blockSize
        {
            let h: (UInt64) -> String = DockerUnits.humanSize
            if dry {
                trimNote = " after trimming its volumes (\(h(reclaimable)) reclaimable)"
            } else {
                let trim = trimmer.trim(pool: name, minimum: blockSize, interval: policy.trimInterval.seconds)
                if !trim.trimmed.isEmpty, let after = try? reader.read(pool: name, freshTable: true), let before = reading.capacity,
                    let c = after.capacity
                {
                    let freed = before.data.used.rawValue > c.data.used.rawValue ? before.data.used.rawValue - c.data.used.rawValue : 0
                    let what = "trimmed \(trim.trimmed.joined(separator: ", ")): \(h(freed)) freed in the pool"
                    if c.data.usedRatio < policy.data.threshold, after.pool?.mode != .outOfDataSpace {
                        let message =
                            "pool \(name): \(what), now \(ExtendPlanner.percent(c.data.usedRatio)) used (threshold \(ExtendPlanner.percent(policy.data.threshold))): not grown"
                        logger.notice("autoextend: trimmed instead of growing", metadata: ["pool": "\(name)", "freed": "\(freed)"])
                        state.withLock { s in s.history[key, default: ExtendHistory()].lastAction = t }
                        alerts?.announce(
                            pool: name, name: .autoextended,
                            Condition(severity: .warning, summary: message, description: "Freed by trimming, not by growing the pool."))
                        alerts?.set(pool: name, name: .autoextendFailed, nil)
                        if automatic { clearFailure(name, key) }
                        return done(.trimmed, message)
                    }
                    // Still over: grow by what is missing, not by a whole step.
                    sizing = after
                    sizingOverride = .bytes(max(ExtendPlanner.missing(.data, reading: after, policy: policy), 1))
                    trimNote = " after a trim (\(what)), by what was still missing"
                }
            }
        }
        var room: BackingRoom?
        if gate == nil {
            do { room = try executor?.room(kind, pool: snapshot) } catch {
                logger.warning("autoextend cannot measure the backing store", metadata: ["pool": "\(name)", "error": "\(error)"])
            }
        }
        let plan = gate ?? ExtendPlanner.size(kind, reading: sizing, policy: policy, room: room, override: sizingOverride)
        switch plan {
        case .nothing:
            if automatic { clearFailure(name, key) }
            // Not counted: a re-check that finds the pool already grown is no refusal.
            return Outcome(pool: name, kind: kind, result: .refused, message: "nothing to do: \(kind.rawValue) is below its threshold")
        case .wait(let until, let reason):
            if automatic {
                state.update { s in
                    s.deferred.removeAll { $0.job == Job(pool: name, kind: kind) }
                    s.deferred.append((Job(pool: name, kind: kind), until))
                }
            }
            return Outcome(pool: name, kind: kind, result: .refused, message: "\(reason): next attempt after \(until)")
        case .leave(let reason):
            // Said (logged, counted) once while it stands, not at every reading.
            let told = state.withLock { s -> Bool in
                defer { s.told[key] = reason }
                return s.told[key] == reason
            }
            if told { return Outcome(pool: name, kind: kind, result: .leftToLVM, message: reason) }
            logger.notice(
                "autoextend leaves the pool to LVM", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)", "reason": "\(reason)"])
            alerts?.set(pool: name, name: .autoextendFailed, nil)
            return done(.leftToLVM, reason)
        case .refuse(let reason):
            let message = "autoextend refused for pool \(name): \(reason)"
            let told = state.withLock { s -> Bool in
                var h = s.history[key] ?? ExtendHistory()
                h.failures += 1
                h.lastFailure = t
                s.history[key] = h
                defer { s.told[key] = reason }
                return s.told[key] == reason
            }
            if !told {
                logger.error("autoextend refused", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)", "reason": "\(reason)"])
                alerts?.set(
                    pool: name, name: .autoextendFailed,
                    Condition(
                        severity: .critical, summary: message,
                        description: "The pool needs more \(kind.rawValue) space and autoextend cannot give it; extend it by hand."))
            }
            return done(.refused, message)
        case .extend(let from, let to, let reason):
            let h: (UInt64) -> String = DockerUnits.humanSize
            guard let executor else { return done(.refused, "no executor") }
            let what = "grow pool \(name) \(kind.rawValue) from \(h(from)) to \(h(to)) with \(executor.name) (\(reason))\(trimNote)"
            if dry {
                logger.notice("autoextend dry run: would \(what)", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)"])
                state.withLock { s in s.history[key, default: ExtendHistory()].lastAction = t }
                return done(.dryRun, "dry run: would \(what)")
            }
            logger.notice("autoextend: \(what)", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)"])
            do {
                let did = try executor.extend(kind, pool: snapshot, to: to)
                let after = try verify(name, kind: kind, from: from, to: to)
                let finished = now()
                state.withLock { s in
                    var hh = s.history[key] ?? ExtendHistory()
                    hh.lastAction = finished
                    hh.failures = 0
                    hh.lastFailure = nil
                    s.history[key] = hh
                    s.told[key] = nil
                }
                let message = "pool \(name) \(kind.rawValue) grown from \(h(from)) to \(h(after)) by \(executor.name) (\(reason))"
                logger.notice(
                    "autoextend done",
                    metadata: [
                        "pool": "\(name)", "kind": "\(kind.rawValue)", "did": "\(did)",
                        "from": "\(from)", "to": "\(after)",
                    ])
                alerts?.announce(pool: name, name: .autoextended, Condition(severity: .warning, summary: message, description: did))
                alerts?.set(pool: name, name: .autoextendFailed, nil)
                return done(.extended, message)
            } catch {
                let failed = now()
                state.withLock { s in
                    var hh = s.history[key] ?? ExtendHistory()
                    hh.failures += 1
                    hh.lastFailure = failed
                    s.history[key] = hh
                }
                let message = "autoextend failed for pool \(name): \(what): \(error)"
                logger.error("autoextend failed", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)", "error": "\(error)"])
                alerts?.set(
                    pool: name, name: .autoextendFailed,
                    Condition(
                        severity: .critical, summary: message,
                        description: "The pool needs more \(kind.rawValue) space and the extension failed; it will be retried with backoff."
                    ))
                return done(.failed, message)
            }
        }
    }

    private func clearFailure(_ pool: String, _ key: String) {
        let had = state.withLock { s -> Bool in
            let had = s.told[key] != nil || (s.history[key]?.failures ?? 0) > 0
            s.told[key] = nil
            s.history[key]?.failures = 0
            return had
        }
        if had { alerts?.set(pool: pool, name: .autoextendFailed, nil) }
    }

    /// Re-reads the pool until the new total shows and the pool is writable: the kernel (or
    /// lvm) may take a moment; up to 5 s, 100 ms apart.
    private func verify(_ name: String, kind: SpaceKind, from: UInt64, to: UInt64) throws(ExtendError) -> UInt64 {
        var last: PoolReading?
        for attempt in 0..<50 {
            if attempt > 0 { usleep(100_000) }
            let r: PoolReading
            do { r = try reader.read(pool: name, freshTable: true) } catch { throw .unreadable(pool: name, cause: error) }
            last = r
            if let c = r.capacity, r.pool?.suspended == false {
                let total = (kind == .data ? c.data.total : c.metadata.total).rawValue
                if total > from, total + (kind == .data ? 0 : MetadataBlocks.size) >= to || total >= to {
                    guard r.pool?.mode == .readWrite else { throw .notWritable(bytes: total, mode: r.pool?.mode) }
                    return total
                }
            }
        }
        let c = last?.capacity
        throw .notGrown(kind: kind, expected: to, actual: (kind == .data ? c?.data.total : c?.metadata.total)?.rawValue)
    }

    /// Decisions so far, for the exporter's metrics.
    public var stats: AutoextendStats {
        state.withLock { s in
            AutoextendStats(
                decisions: s.counts.sorted { $0.key < $1.key }.map { key, v in
                    let p = key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
                    return AutoextendStats.Decision(pool: p[0], kind: p[1], result: p[2], count: v)
                })
        }
    }
}
