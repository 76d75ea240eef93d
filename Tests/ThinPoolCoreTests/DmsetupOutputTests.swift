import Testing

@testable import ThinPoolCore

/// Formats as dmsetup 1.02.185 printed them in the VM (fixtures/demo).
@Suite struct DmsetupOutputTests {
    @Test func targetsWithDockerNamesMultipleSegmentsAndEmptyDevices() throws {
        let text = """
            empty: 
            lin: 0 65536 linear 7:2 0
            lin: 65536 65536 linear 7:1 0
            docker-8:1-1048577-pool: 0 409600 thin-pool 7:1 7:0 128 32768 1 skip_block_zeroing 
            broken-meta: 0 8192 error 

            """
        let lines = try DmsetupOutput.parseTargets(text, file: "table")
        #expect(lines.map(\.name) == ["empty", "lin", "lin", "docker-8:1-1048577-pool", "broken-meta"])
        #expect(lines[0].target == nil)
        #expect(lines[2].target == Target(start: 65536, length: 65536, type: "linear", params: "7:1 0"))
        #expect(lines[3].target?.params == "7:1 7:0 128 32768 1 skip_block_zeroing")
        #expect(lines[3].target?.origin == "table:4")
        #expect(lines[4].target == Target(start: 0, length: 8192, type: "error", params: ""))
        #expect(try DmsetupOutput.parseTargets("No devices found\n", file: "status").isEmpty)
    }

    @Test(arguments: [
        ("0 204800 thin-pool 7:5 7:6 128 32768", "table:1: expected '<device name>: <start>"),
        ("pool: 0 204800", "table:1: device pool: expected '<start> <length> <target type>"),
        ("pool: x 204800 thin-pool", "table:1: device pool: start sector \"x\" is not a number"),
        ("ok: 0 1 linear 7:0 0\npool: 0 -5 thin-pool a", "table:2: device pool: length \"-5\" is not a number"),
    ])
    func malformedTargetsNameFileAndLine(text: String, message: String) {
        do throws(DeviceMapperError) {
            _ = try DmsetupOutput.parseTargets(text, file: "table")
            Issue.record("accepted \(text)")
        } catch let e {
            #expect(e.code == .badFixture)
            #expect(e.description.hasPrefix(message), "\(e)")
        }
    }

    @Test func infoColumns() throws {
        let text = """
            Name                  Maj Min Stat Open Targ Event  UUID
            broken                254  12 L--w    1    1      1
            docker-thinpool       254   7 L--r    0    1      0 LVM-0olFWC7H2hhyC3Ie-pool
            empty                 254   1 ---w    0    0      0
            suspended             254   2 L-sw    0    1      4
            """
        let r = try DmsetupOutput.parseInfo(text)
        #expect(r.map(\.name) == ["broken", "docker-thinpool", "empty", "suspended"])
        #expect(r[0].number == DeviceNumber(major: 254, minor: 12))
        #expect(r[0].eventNumber == 1)
        #expect(r[0].uuid == nil)
        #expect(r[1].uuid == "LVM-0olFWC7H2hhyC3Ie-pool")
        #expect(r[1].readOnly == true)
        #expect(r[3].suspended == true)
    }

    @Test func infoLongForm() throws {
        let text = """
            Name:              pool
            State:             ACTIVE
            Read Ahead:        256
            Tables present:    LIVE
            Open count:        1
            Event number:      3
            Major, minor:      254, 2
            Number of targets: 1
            UUID: LVM-abc

            Name:              other
            State:             SUSPENDED
            Major, minor:      254, 3
            """
        let r = try DmsetupOutput.parseInfo(text)
        #expect(r.count == 2)
        #expect(r[0].number == DeviceNumber(major: 254, minor: 2))
        #expect(r[0].eventNumber == 3)
        #expect(r[0].uuid == "LVM-abc")
        #expect(r[1].suspended == true)
    }

    @Test func malformedInfo() {
        #expect(throws: DeviceMapperError.self) { try DmsetupOutput.parseInfo("Name Maj Min\npool x 0\n") }
        #expect(throws: DeviceMapperError.self) { try DmsetupOutput.parseInfo("Name Maj Min\npool 1\n") }
        #expect(throws: DeviceMapperError.self) { try DmsetupOutput.parseInfo("Name:  p\nMajor, minor: 254\n") }
    }

    @Test func deps() throws {
        let d = try DmsetupOutput.parseDeps("broken: 2 dependencies\t: (7, 6) (254, 11)\nbroken-meta: 0 dependencies\t:\n")
        #expect(d["broken"] == [DeviceNumber(major: 7, minor: 6), DeviceNumber(major: 254, minor: 11)])
        #expect(d["broken-meta"] == [])
    }

    @Test func deviceNumberEncodings() {
        #expect(DeviceNumber("253:0") == DeviceNumber(major: 253, minor: 0))
        #expect(DeviceNumber("253") == nil)
        #expect(DeviceNumber("a:b") == nil)
        // Kernel huge_encode_dev(MKDEV(254, 300)) and glibc makedev(254, 300).
        #expect(DeviceNumber(kernelEncoded: (300 & 0xff) | (254 << 8) | ((300 & ~0xff) << 12)) == DeviceNumber(major: 254, minor: 300))
        #expect(DeviceNumber(userspaceDev: (254 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12)) == DeviceNumber(major: 254, minor: 300))
    }
}
