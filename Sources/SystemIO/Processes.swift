import ThinPoolCore

/// A process in uninterruptible sleep (state D, as a write waits for a pool out of data space
/// to get space) and the devices it holds open: block devices it opened, and the devices of the
/// filesystems its open files are on.
public struct BlockedProcess: Hashable, Sendable {
    public var pid: Int32
    /// Its command name (`comm`).
    public var command: String
    public var devices: Set<DeviceNumber>

    /// "dd[812]".
    public var label: String { "\(command)[\(pid)]" }
}

/// The processes in state D under `procRoot` (/proc) and the devices behind their open files.
/// Processes that exit while read, and fds that close, are skipped.
public func processesBlockedInIO(procRoot: String = "/proc") -> [BlockedProcess] {
    guard let entries = try? directoryEntries(procRoot) else { return [] }
    var out: [BlockedProcess] = []
    for entry in entries {
        guard let pid = Int32(entry), pid > 0,
            let bytes = try? readFile("\(procRoot)/\(entry)/stat", limit: 4096),
            let (command, state) = parseProcessStat(String(decoding: bytes, as: UTF8.self)), state == "D"
        else { continue }
        let fdDir = "\(procRoot)/\(entry)/fd"
        var devices = Set<DeviceNumber>()
        for fd in (try? directoryEntries(fdDir)) ?? [] {
            // stat follows the fd's link to the open file (even one deleted since).
            guard let st = try? FileStatus("\(fdDir)/\(fd)") else { continue }
            if let n = st.deviceNumber {
                devices.insert(n)
            } else if st.kind == .regular || st.kind == .directory {
                devices.insert(DeviceNumber(userspaceDev: st.id.device))
            }
        }
        if !devices.isEmpty { out.append(BlockedProcess(pid: pid, command: command, devices: devices)) }
    }
    return out.sorted { $0.pid < $1.pid }
}

/// The command and state of a /proc/PID/stat line: "812 (dd) D 1 ..." (the command may hold
/// spaces and parentheses: it ends at the last ")").
public func parseProcessStat(_ line: String) -> (command: String, state: Character)? {
    guard let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"), open < close else { return nil }
    let rest = line[line.index(after: close)...].drop { $0 == " " }
    guard let state = rest.first else { return nil }
    return (String(line[line.index(after: open)..<close]), state)
}
