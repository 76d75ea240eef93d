import CDeviceMapperShims
import ThinPoolCore

/// The loop device ioctl autoextend needs (ioctl(2) is variadic: Swift calls it through a shim).
public enum LoopDevice {
    /// LOOP_SET_CAPACITY: the loop device at `node` takes its file's new size.
    public static func refreshCapacity(node: String) throws(DeviceMapperError) {
        let r = cdm_loop_set_capacity(node)
        guard r == 0 else {
            throw DeviceMapperError(
                DeviceMapperError.code(forErrno: -r), .resume, device: node, errno: -r,
                detail: "LOOP_SET_CAPACITY failed")
        }
    }
}
