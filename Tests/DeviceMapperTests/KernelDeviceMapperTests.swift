import Foundation
import Testing
import ThinPoolCore

@testable import DeviceMapper

/// The real client on the machine the tests run on. These machines' kernels have no
/// device-mapper; the VM suite (Tests/VM) proves the client against real pools.
@Suite struct KernelDeviceMapperTests {

    @Test(.disabled(if: kernelHasDeviceMapper && geteuid() == 0, "this kernel has device-mapper; the VM scenarios read real pools"))
    func failsWithTheClearNotAvailableErrorWithoutDeviceMapper() throws {
        let dm = KernelDeviceMapper()
        do throws(DeviceMapperError) {
            _ = try dm.listDevices()
            Issue.record("listDevices succeeded without device-mapper")
        } catch let e {
            if geteuid() == 0 {
                #expect(e.code == .notAvailable)
                #expect(e.errno?.rawValue == ENODEV || e.errno?.rawValue == ENOENT)
                #expect(e.description.hasPrefix("device-mapper is not available in this kernel: /dev/mapper/control: "))
            } else {
                #expect(e.code == .notAvailable || e.code == .permissionDenied)
            }
        }
        // Every operation fails the same way, none crashes or prints.
        #expect(throws: DeviceMapperError.self) { try dm.status("pool") }
        #expect(throws: DeviceMapperError.self) { try dm.table("pool") }
        #expect(throws: DeviceMapperError.self) { try dm.waitEvent("pool", after: 0) }
    }

    /// The shim copies a device name into the ioctl header itself: the kernel holds 127 bytes
    /// and a NUL. Checked before any ioctl, so a control channel on /dev/null (which answers
    /// every ioctl ENOTTY) tells the two apart: 127 bytes reach the ioctl, 128 do not.
    @Test(arguments: [false, true]) func aDeviceNameOverTheKernelsLimitIsRefusedBeforeTheIoctl(pool: Bool) {
        let channel = ControlChannel(path: "/dev/null")
        func read(_ name: String) -> DeviceMapperError? {
            do {
                if pool { _ = try channel.readPool(name) } else { _ = try channel.read(name, table: false) }
                return nil
            } catch { return error }
        }
        let long = read(String(repeating: "a", count: 128))
        #expect(long?.code == .invalidArgument)
        #expect(long?.description.contains("at most 127 bytes") == true)
        let longest = read(String(repeating: "a", count: 127))
        #expect(longest?.errno?.rawValue == ENOTTY, "127 bytes reach the ioctl: \(String(describing: longest))")
    }
}

/// Whether this machine's kernel has device-mapper (/proc/misc lists it).
let kernelHasDeviceMapper = (try? String(contentsOfFile: "/proc/misc", encoding: .utf8))?.contains("device-mapper") ?? false
