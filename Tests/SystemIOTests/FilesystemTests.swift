import Foundation
import SystemPackage
import TestSupport
import Testing
import ThinPoolCore

@testable import SystemIO

/// stat, statfs, directories, atomic writes, sparse growth and sysfs, each failure a typed
/// FileError naming the call and the path.
@Suite struct FilesystemTests {
    @Test func statusOfFilesDirectoriesAndLinks() throws {
        let dir = try makeTempDir(["f": "hello"])
        let f = try FileStatus(dir + "/f")
        #expect(f.kind == .regular && f.size == 5)
        #expect(try FileStatus(dir).kind == .directory)
        try FileManager.default.createSymbolicLink(atPath: dir + "/l", withDestinationPath: dir + "/f")
        #expect(try FileStatus(dir + "/l").id == f.id, "followed")
        #expect(try FileStatus(dir + "/l", followSymlinks: false).kind == .symbolicLink)
        #expect(throws: FileError(.stat, dir + "/none", .errno(.noSuchFileOrDirectory))) { try FileStatus(dir + "/none") }
        #expect(fileExists(dir + "/f") && !fileExists(dir + "/none"))
        #expect(isExecutable("/bin/sh") && !isExecutable(dir + "/f"))
    }

    @Test func filesystemFreeSpaceAsDockerCountsIt() throws {
        let free = try filesystemFreeBytes("/")
        #expect(free > 0)
        #expect(throws: FileError.self) { try filesystemFreeBytes("/nonexistent/x") }
    }

    @Test func directoriesAndAtomicWrites() throws {
        let dir = try makeTempDir(["a": "1", "b": "2"])
        #expect(try directoryEntries(dir).sorted() == ["a", "b"])
        try makeDirectories(dir + "/x/y/z", permissions: 0o700)
        #expect(try FileStatus(dir + "/x/y/z").kind == .directory)
        try writeFileAtomically(dir + "/x/state.json", Array("new".utf8))
        #expect(try readTextFile(dir + "/x/state.json") == "new")
        #expect(!fileExists(dir + "/x/state.json.tmp"), "no temporary left")
        // Into a folder that is not there: the temporary cannot be made; nothing is left.
        do {
            try writeFileAtomically(dir + "/nope/state.json", [1])
            Issue.record("wrote into a missing folder")
        } catch {
            #expect(error.operation == .open && error.errno == .noSuchFileOrDirectory)
        }
    }

    @Test func growingAFileKeepsItSparse() throws {
        let dir = try makeTempDir(["f": "x"])
        try growFile(dir + "/f", to: 1 << 30)
        #expect(try FileStatus(dir + "/f").size == 1 << 30)
        try growFile(dir + "/f", to: 10)  // never shrinks
        #expect(try FileStatus(dir + "/f").size == 1 << 30)
    }

    /// sysfs as the kernel lays it out, in a folder of the test's.
    @Test func sysfsBlockDevices() throws {
        let root = try makeTempDir(prefix: "sysfs")
        let loop = root + "/dev/block/7:0"
        try FileManager.default.createDirectory(atPath: loop + "/loop", withIntermediateDirectories: true)
        try "2097152\n".write(toFile: loop + "/size", atomically: true, encoding: .utf8)
        try "MAJOR=7\nMINOR=0\nDEVNAME=loop0\nDEVTYPE=disk\n".write(toFile: loop + "/uevent", atomically: true, encoding: .utf8)
        try "/var/lib/docker/devicemapper/devicemapper/data (deleted)\n".write(
            toFile: loop + "/loop/backing_file", atomically: true, encoding: .utf8)
        let sys = Sysfs(root: root)
        let n = DeviceNumber(major: 7, minor: 0)
        #expect(sys.sectors(n) == 2_097_152)
        #expect(sys.node(n) == "/dev/loop0")
        #expect(sys.loopBackingFile(n) == "/var/lib/docker/devicemapper/devicemapper/data")
        #expect(sys.loopBackingFile(DeviceNumber(major: 254, minor: 3)) == nil)
    }

    /// /proc as the kernel lays it out: the blocked process is found, with the device of the
    /// filesystem its open file is on; a running one and a malformed stat are not.
    @Test func processesBlockedInIOAndTheirDevices() throws {
        let root = try makeTempDir(prefix: "proc")
        let file = root + "/held-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        func process(_ pid: Int, _ stat: String) throws {
            try FileManager.default.createDirectory(atPath: "\(root)/\(pid)/fd", withIntermediateDirectories: true)
            try stat.write(toFile: "\(root)/\(pid)/stat", atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: "\(root)/\(pid)/fd/3", withDestinationPath: file)
            // An fd closed since it was listed: skipped.
            try FileManager.default.createSymbolicLink(atPath: "\(root)/\(pid)/fd/4", withDestinationPath: root + "/gone")
        }
        try process(812, "812 (dd (copy)) D 1 812 812 0 -1 4194560 ...\n")
        try process(813, "813 (sh) S 1 813 813 0 -1 4194560 ...\n")
        try process(814, "814 garbage\n")
        let device = DeviceNumber(userspaceDev: try FileStatus(file).id.device)
        #expect(processesBlockedInIO(procRoot: root) == [BlockedProcess(pid: 812, command: "dd (copy)", devices: [device])])
        #expect(processesBlockedInIO(procRoot: root).first?.label == "dd (copy)[812]")
        #expect(parseProcessStat("1 (init) S 0") ?? ("", "?") == ("init", "S"))
        #expect(parseProcessStat("1 init S 0") == nil)
        #expect(parseProcessStat("1 (x)") == nil)
    }
}
