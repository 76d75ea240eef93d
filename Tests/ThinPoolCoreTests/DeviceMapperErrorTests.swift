import Testing
import ThinPoolCore

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct DeviceMapperErrorTests {
    @Test func errnoMapsToCodes() {
        #expect(DeviceMapperError.code(forErrno: ENODEV) == .notAvailable)
        #expect(DeviceMapperError.code(forErrno: EACCES) == .permissionDenied)
        #expect(DeviceMapperError.code(forErrno: EPERM) == .permissionDenied)
        #expect(DeviceMapperError.code(forErrno: ENXIO) == .noSuchDevice)
        #expect(DeviceMapperError.code(forErrno: EBUSY) == .busy)
        #expect(DeviceMapperError.code(forErrno: EIO) == .failed)
        let e = DeviceMapperError(.permissionDenied, .status, device: "pool", errno: EACCES)
        #expect(
            e.description
                == "permission denied for device-mapper STATUS pool: Permission denied (errno 13) (device-mapper ioctls need root or CAP_SYS_ADMIN)"
        )
    }
}
