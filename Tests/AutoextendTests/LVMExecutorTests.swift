import Testing

@testable import Autoextend

/// LVM names from a dm name, as LVM mangles them (a dash in a name is doubled).
@Suite struct LVMExecutorTests {
    @Test func lvmNames() {
        #expect(LVMExecutor.names(dmName: "docker-thinpool-tpool")! == ("docker", "thinpool"))
        #expect(LVMExecutor.names(dmName: "my--vg-thin--pool-tpool")! == ("my-vg", "thin-pool"))
        #expect(LVMExecutor.names(dmName: "vg-lv")! == ("vg", "lv"))
        #expect(LVMExecutor.names(dmName: "nodash") == nil)
        #expect(LVMExecutor.names(dmName: "a-b-c") == nil)
    }
}
