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
    /// agent does on its own and what `thinpool-exporter extend` runs. The steps: read the pool
    /// afresh; the planner's cheap checks (``ExtendPlanner/gate(_:reading:policy:history:now:override:)``);
    /// trim first where the policy says so (``TrimPlan``); measure the backing store; size the
    /// step (``ExtendPlanner/size(_:reading:policy:room:override:)``); then carry the plan out --
    /// every result logged once, counted and, where receivers care, told.
    @discardableResult
    public func run(
        pool name: String, kind: SpaceKind, override: AutoextendPolicy.Step?, dryRun: Bool?,
        automatic: Bool = false
    ) -> Outcome {
        let policy = state.withLock { $0.policyFor(name) }
        let job = Run(pool: name, kind: kind, policy: policy, dry: dryRun ?? policy.dryRun, automatic: automatic, at: now())
        let reading: PoolReading
        do { reading = try reader.read(pool: name, freshTable: true) } catch {
            return done(job, .failed, "cannot read pool \(name): \(error)")
        }
        guard let pool = reading.pool else {
            return done(job, .refused, "pool \(name) cannot be read: \(reading.error.map { "\($0)" } ?? "")")
        }
        let history = state.withLock { $0.history[job.key] ?? ExtendHistory() }
        let executor = chooseExecutor(policy.executor, kind: kind, pool: pool, dm: dm, sysfs: sysfs)
        let gate =
            cannotAct.map { ExtendPlan.refuse(reason: $0) }
            ?? ExtendPlanner.gate(kind, reading: reading, policy: policy, history: history, now: job.at, override: override)
        // Trim before the backing store is measured: a pool whose growth the backing could not
        // afford may still be brought under its threshold by a trim.
        var sizing = (reading: reading, override: override, note: "")
        if gate == nil, kind == .data, override == nil, policy.trimFirst {
            switch trimFirst(job, pool: pool, reading: reading) {
            case .done(let outcome): return outcome
            case .grow(let after, let missing, let note): sizing = (after, .bytes(missing), note)
            case .note(let note): sizing.note = note
            case .none: break
            }
        }
        var room: BackingRoom?
        if gate == nil {
            do { room = try executor?.room(kind, pool: pool) } catch {
                logger.warning("autoextend cannot measure the backing store", metadata: ["pool": "\(name)", "error": "\(error)"])
            }
        }
        let plan = gate ?? ExtendPlanner.size(kind, reading: sizing.reading, policy: policy, room: room, override: sizing.override)
        switch plan {
        case .nothing:
            if automatic { clearFailure(name, job.key) }
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
            return leave(job, reason)
        case .refuse(let reason):
            return refuse(job, reason)
        case .extend(let from, let to, let reason):
            guard let executor else { return done(job, .refused, "no executor") }
            return extend(job, pool: pool, executor: executor, from: from, to: to, reason: reason, note: sizing.note)
        }
    }

    /// One run of ``run(pool:kind:override:dryRun:automatic:)``: what it is about.
    private struct Run {
        var pool: String
        var kind: SpaceKind
        var policy: AutoextendPolicy
        var dry: Bool
        var automatic: Bool
        var at: Date
        var key: String { "\(pool)/\(kind.rawValue)" }
    }

    /// Counts a result and returns it.
    private func done(_ job: Run, _ result: Outcome.Result, _ message: String) -> Outcome {
        state.withLock { $0.counts[Self.countKey(job.pool, job.kind, result), default: 0] += 1 }
        return Outcome(pool: job.pool, kind: job.kind, result: result, message: message)
    }

    /// What trimming first came to.
    private enum TrimStep {
        /// The trim was enough: not grown.
        case done(Outcome)
        /// Grow by what is still missing, from the reading after the trim.
        case grow(PoolReading, UInt64, String)
        /// A dry run: grow as planned, saying a trim would come first.
        case note(String)
    }

    /// Trims the pool's mounted volumes when that can free at least a block, and decides with
    /// ``TrimPlan``; nil when there is nothing to trim (or no trimmer).
    private func trimFirst(_ job: Run, pool: ThinPool, reading: PoolReading) -> TrimStep? {
        guard let trimmer, let blockSize = pool.table.blockSize.bytes?.rawValue,
            let reclaimable = trimmer.reclaimable(pool: job.pool), reclaimable >= blockSize
        else { return nil }
        if job.dry { return .note(" after trimming its volumes (\(DockerUnits.humanSize(reclaimable)) reclaimable)") }
        let trim = trimmer.trim(pool: job.pool, minimum: blockSize, interval: job.policy.trimInterval.seconds)
        guard !trim.trimmed.isEmpty, let after = try? reader.read(pool: job.pool, freshTable: true),
            let plan = TrimPlan.after(trimmed: trim.trimmed, before: reading, after: after, policy: job.policy)
        else { return nil }
        switch plan {
        case .enough(let freed, let message):
            logger.notice("autoextend: trimmed instead of growing", metadata: ["pool": "\(job.pool)", "freed": "\(freed)"])
            state.withLock { s in s.history[job.key, default: ExtendHistory()].lastAction = job.at }
            alerts?.announce(
                pool: job.pool, name: .autoextended,
                Condition(severity: .warning, summary: message, description: "Freed by trimming, not by growing the pool."))
            alerts?.set(pool: job.pool, name: .autoextendFailed, nil)
            if job.automatic { clearFailure(job.pool, job.key) }
            return .done(done(job, .trimmed, message))
        case .grow(let missing, let note):
            return .grow(after, missing, note)
        }
    }

    /// LVM's own autoextend grows the pool: said (logged, counted) once while it stands.
    private func leave(_ job: Run, _ reason: String) -> Outcome {
        let told = state.withLock { s -> Bool in
            defer { s.told[job.key] = reason }
            return s.told[job.key] == reason
        }
        if told { return Outcome(pool: job.pool, kind: job.kind, result: .leftToLVM, message: reason) }
        logger.notice(
            "autoextend leaves the pool to LVM", metadata: ["pool": "\(job.pool)", "kind": "\(job.kind.rawValue)", "reason": "\(reason)"])
        alerts?.set(pool: job.pool, name: .autoextendFailed, nil)
        return done(job, .leftToLVM, reason)
    }

    /// A refusal: counted as a failure for the backoff; logged and alerted once while it stands.
    private func refuse(_ job: Run, _ reason: String) -> Outcome {
        let message = "autoextend refused for pool \(job.pool): \(reason)"
        let told = state.withLock { s -> Bool in
            var h = s.history[job.key] ?? ExtendHistory()
            h.failures += 1
            h.lastFailure = job.at
            s.history[job.key] = h
            defer { s.told[job.key] = reason }
            return s.told[job.key] == reason
        }
        if !told {
            logger.error("autoextend refused", metadata: ["pool": "\(job.pool)", "kind": "\(job.kind.rawValue)", "reason": "\(reason)"])
            alerts?.set(
                pool: job.pool, name: .autoextendFailed,
                Condition(
                    severity: .critical, summary: message,
                    description: "The pool needs more \(job.kind.rawValue) space and autoextend cannot give it; extend it by hand."))
        }
        return done(job, .refused, message)
    }

    /// Grows the pool with `executor` (or, in a dry run, says it would), verifies the new size
    /// by re-reading, and records the result.
    private func extend(
        _ job: Run, pool: ThinPool, executor: any PoolExecutor, from: UInt64, to: UInt64, reason: String, note: String
    ) -> Outcome {
        let h: (UInt64) -> String = DockerUnits.humanSize
        let (name, kind) = (job.pool, job.kind)
        let what = "grow pool \(name) \(kind.rawValue) from \(h(from)) to \(h(to)) with \(executor.name) (\(reason))\(note)"
        if job.dry {
            logger.notice("autoextend dry run: would \(what)", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)"])
            state.withLock { s in s.history[job.key, default: ExtendHistory()].lastAction = job.at }
            return done(job, .dryRun, "dry run: would \(what)")
        }
        logger.notice("autoextend: \(what)", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)"])
        do {
            let did = try executor.extend(kind, pool: pool, to: to)
            let after = try verify(name, kind: kind, from: from, to: to)
            let finished = now()
            state.withLock { s in
                var hh = s.history[job.key] ?? ExtendHistory()
                hh.lastAction = finished
                hh.failures = 0
                hh.lastFailure = nil
                s.history[job.key] = hh
                s.told[job.key] = nil
            }
            let message = "pool \(name) \(kind.rawValue) grown from \(h(from)) to \(h(after)) by \(executor.name) (\(reason))"
            logger.notice(
                "autoextend done",
                metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)", "did": "\(did)", "from": "\(from)", "to": "\(after)"])
            alerts?.announce(pool: name, name: .autoextended, Condition(severity: .warning, summary: message, description: did))
            alerts?.set(pool: name, name: .autoextendFailed, nil)
            return done(job, .extended, message)
        } catch {
            let failed = now()
            state.withLock { s in
                var hh = s.history[job.key] ?? ExtendHistory()
                hh.failures += 1
                hh.lastFailure = failed
                s.history[job.key] = hh
            }
            let message = "autoextend failed for pool \(name): \(what): \(error)"
            logger.error("autoextend failed", metadata: ["pool": "\(name)", "kind": "\(kind.rawValue)", "error": "\(error)"])
            alerts?.set(
                pool: name, name: .autoextendFailed,
                Condition(
                    severity: .critical, summary: message,
                    description: "The pool needs more \(kind.rawValue) space and the extension failed; it will be retried with backoff."))
            return done(job, .failed, message)
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
