#if canImport(Glibc)
    import Glibc
#endif

/// A program run to its end: what it wrote and how it ended.
public struct SubprocessResult: Sendable, Equatable {
    public enum Termination: Sendable, Equatable {
        /// exit(status).
        case exited(Int32)
        /// Killed by this signal.
        case signaled(Int32)
    }

    public var termination: Termination
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// It ran past the timeout and was ended (SIGTERM, then SIGKILL).
    public var timedOut: Bool
}

/// Runs `path` with `arguments` (an argument vector, no shell) and waits for it, reading its
/// stdout and stderr as it runs, so a chatty program never blocks on a full pipe. Past
/// `timeout` seconds it gets SIGTERM, and SIGKILL `killAfter` seconds later.
///
/// posix_spawn, not Foundation's Process: the child starts with every signal unblocked and at
/// its default action. A thread's blocked signals are inherited through exec, and the threads
/// this runs on (a Swift runtime's, a service's) block SIGTERM -- Process passes that on, so a
/// hung child could not be ended at its timeout.
public func runSubprocess(
    _ path: String, _ arguments: [String], environment: [String: String],
    timeout: Double, killAfter: Double = 5
) throws(FileError) -> SubprocessResult {
    var outPipe: [Int32] = [-1, -1]
    var errPipe: [Int32] = [-1, -1]
    guard pipe(&outPipe) == 0 else { throw .current(.spawn, path) }
    guard pipe(&errPipe) == 0 else {
        let e = FileError.current(.spawn, path)
        close(outPipe[0])
        close(outPipe[1])
        throw e
    }
    // Not inherited by other programs started meanwhile (pipe2 is not in Swift's Glibc).
    for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    var all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in argv + envp { free(p) } }
    var pid: pid_t = 0
    let spawned =
        path.hasPrefix("/")
        ? posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        : posix_spawnp(&pid, path, &actions, &attributes, argv, envp)
    close(outPipe[1])
    close(errPipe[1])
    guard spawned == 0 else {
        close(outPipe[0])
        close(errPipe[0])
        throw FileError(.spawn, path, .errno(.init(rawValue: spawned)))
    }

    var out: [UInt8] = []
    var err: [UInt8] = []
    var open = [outPipe[0], errPipe[0]]
    defer { for fd in open where fd >= 0 { close(fd) } }
    var timedOut = false
    var killAt: Double?
    let deadline = monotonicNow() + timeout
    var buffer = [UInt8](repeating: 0, count: 65536)
    var status: Int32 = 0
    while true {
        let now = monotonicNow()
        let reading = open.filter { $0 >= 0 }
        // Reaped when both pipes are closed (it has ended, or closed them and runs on: then
        // checked every 10 ms), and from the deadline on (it may have ended while a program
        // it started holds the pipes).
        if reading.isEmpty || now >= deadline {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0, errno != EINTR { throw .current(.wait, path) }
        }
        if !timedOut, now >= deadline {
            timedOut = true
            kill(pid, SIGTERM)
            killAt = now + killAfter
        } else if let k = killAt, now >= k {
            kill(pid, SIGKILL)
            killAt = nil
        }
        let wakeAt = reading.isEmpty ? now + 0.01 : (timedOut ? (killAt ?? now + 0.1) : deadline)
        var fds = reading.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ms = Int32(max(1, min(1000, (wakeAt - now) * 1000)))
        if poll(&fds, nfds_t(fds.count), ms) < 0 {
            if errno == EINTR { continue }
            throw .current(.read, path)
        }
        for p in fds where p.revents != 0 {
            let r = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
            if r > 0 {
                if p.fd == outPipe[0] { out += buffer[0..<r] } else { err += buffer[0..<r] }
            } else if r == 0 || (errno != EINTR && errno != EAGAIN) {
                close(p.fd)
                open = open.map { $0 == p.fd ? -1 : $0 }
            }
        }
    }
    let low = status & 0x7f
    let termination: SubprocessResult.Termination = low == 0 ? .exited((status >> 8) & 0xff) : .signaled(low)
    return SubprocessResult(termination: termination, stdout: out, stderr: err, timedOut: timedOut)
}

private func monotonicNow() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return seconds(t)
}

private func seconds(_ t: timespec) -> Double { Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
