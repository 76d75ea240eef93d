import SystemPackage
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

/// One request over a Unix stream socket and the whole answer (the peer closes after it):
/// what asking a local daemon's HTTP API (docker's /var/run/docker.sock) takes. Every step is
/// bounded by `timeout` in all: a peer that accepts and never answers costs the caller no more
/// than that. At most `limit` bytes of answer are kept.
public func unixSocketRequest(
    _ path: String, _ request: [UInt8], timeout: Double, limit: Int = 1 << 20
) throws(FileError) -> [UInt8] {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard path.utf8.count < capacity else { throw FileError(.connect, path, .errno(.fileNameTooLong)) }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (i, b) in path.utf8.enumerated() { raw[i] = b }
        raw[path.utf8.count] = 0
    }
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { throw FileError.current(.connect, path) }
    defer { close(fd) }
    let deadline = monotonicSeconds() + timeout
    /// Waits until the socket is ready for `events`, or throws at the deadline.
    func ready(_ events: Int16, _ operation: FileError.Operation) throws(FileError) {
        while true {
            let left = deadline - monotonicSeconds()
            guard left > 0 else { throw FileError(operation, path, .timedOut(seconds: timeout)) }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&p, 1, Int32(min(left * 1000, 60_000).rounded(.up)))
            if n > 0 { return }
            if n < 0, systemErrno() != EINTR { throw FileError.current(operation, path) }
        }
    }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    if connected != 0 {
        let e = systemErrno()
        guard e == EINPROGRESS || e == EAGAIN else { throw FileError(.connect, path, .errno(Errno(rawValue: e))) }
        try ready(Int16(POLLOUT), .connect)
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else { throw FileError(.connect, path, .errno(Errno(rawValue: error))) }
    }
    var sent = 0
    while sent < request.count {
        let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
        if n > 0 {
            sent += n
        } else if n < 0, systemErrno() == EAGAIN || systemErrno() == EINTR {
            try ready(Int16(POLLOUT), .send)
        } else {
            throw FileError.current(.send, path)
        }
    }
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 16384)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            answer += buffer[0..<n]
            guard answer.count <= limit else { throw FileError(.receive, path, .tooLarge(limit: limit)) }
        } else if n == 0 {
            return answer
        } else if systemErrno() == EAGAIN || systemErrno() == EINTR {
            try ready(Int16(POLLIN), .receive)
        } else {
            throw FileError.current(.receive, path)
        }
    }
}

/// CLOCK_MONOTONIC in seconds.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
