import SystemIO
import ThinPoolCore

/// The thin-provisioning tools a scan runs, with the scan's timeout: stdout, or why not.
struct SpaceTool {
    let settings: SpaceScanSettings

    /// `thin_ls -m` on a metadata snapshot: each thin device's mapped, exclusive and shared
    /// bytes, by device id.
    func usage(metadataDevice: String) throws(ScanError) -> [UInt64: ThinUsage] {
        let out = try run(settings.thinLs, ["--no-headers", "-m", "-o", ThinUsage.fields, metadataDevice])
        let parsed: [ThinUsage]
        do throws(ParseError) { parsed = try ThinUsage.parse(out) } catch { throw .output(tool: settings.thinLs, error) }
        return Dictionary(parsed.map { ($0.deviceId, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// `thin_dump -m --dev-id` on a metadata snapshot: the pool blocks each device maps.
    func mappings(metadataDevice: String, deviceIDs: [UInt64]) throws(ScanError) -> [UInt64: [BlockRange]] {
        var maps: [UInt64: [BlockRange]] = [:]
        for id in deviceIDs {
            let xml = try run(settings.thinDump, ["-m", "--dev-id", "\(id)", metadataDevice])
            do throws(ParseError) {
                maps.merge(try ThinDump.mappings(xml)) { a, _ in a }
            } catch {
                throw .output(tool: settings.thinDump, error)
            }
        }
        return maps
    }

    /// Runs a tool (no shell, a fixed PATH) and returns its stdout; ended at the timeout.
    func run(_ tool: String, _ args: [String]) throws(ScanError) -> String {
        let r: SubprocessResult
        do {
            r = try runSubprocess(tool, args, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], timeout: settings.timeout.seconds)
        } catch {
            throw .cannotRun(tool: tool, error.reasonText)
        }
        if r.timedOut { throw .timedOut(tool: tool, seconds: settings.timeout.seconds) }
        guard r.termination == .exited(0) else {
            throw .failed(tool: tool, stderr: String(decoding: r.stderr, as: UTF8.self).trimmingWhitespace)
        }
        return String(decoding: r.stdout, as: UTF8.self)
    }
}
