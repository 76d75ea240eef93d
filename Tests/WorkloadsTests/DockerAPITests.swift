import Foundation
import Logging
import TestSupport
import Testing
import ThinPoolCore

@testable import Workloads

/// Asking docker its version on its API socket, against a stand-in that answers as dockerd does
/// (Tests/Tools/fake-docker-api.py) -- and as it should not: refusing, hanging, answering 404 or
/// garbage. Every failure leaves docker 17.11 and later's dialect, with the reason. The real
/// dockerd 20.10 is asked in the VM (Tests/VM/scenarios/docker-info.sh).
@Suite(.serialized) struct DockerAPITests {
    /// The stand-in on a socket in a directory of its own.
    final class FakeDocker {
        let dir: String
        let socket: String
        var daemon: Daemon?

        init(_ mode: String, version: String = "20.10.24+dfsg1") throws {
            dir = try makeTempDir(prefix: "docker-api")
            socket = dir + "/docker.sock"
            try start(mode, version: version)
        }

        func start(_ mode: String, version: String = "20.10.24+dfsg1") throws {
            _ = daemon?.stop(SIGKILL)
            let d = try Daemon("/usr/bin/python3", [Repo.root.path + "/Tests/Tools/fake-docker-api.py", socket, mode, version])
            daemon = d
            guard waitFor(10, { d.log.contains("listening") ? true : nil }) != nil else { throw TestFailure("no fake docker: \(d.log)") }
        }

        var requests: Int { Int((try? String(contentsOfFile: socket + ".count", encoding: .utf8)) ?? "") ?? 0 }

        deinit { _ = daemon?.stop(SIGKILL) }
    }

    @Test(arguments: ["version", "chunked"]) func theVersionIsAskedOfTheSocket(mode: String) throws {
        let fake = try FakeDocker(mode, version: "17.03.2-ce")
        #expect(try DockerAPI.version(socket: fake.socket).get() == DockerVersion(17, 3, 2))
    }

    @Test func whatIsNotAnAnswerSaysWhy() throws {
        let dir = try makeTempDir(prefix: "docker-api")
        func why(_ socket: String) -> String? {
            if case .failure(let e) = DockerAPI.version(socket: socket, timeout: 0.5) { return e.description }
            return nil
        }
        #expect(why(dir + "/absent.sock") == "no docker API socket at \(dir)/absent.sock")
        // A socket file nobody listens on: refused.
        let stale = dir + "/stale.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &a.sun_path) { raw in for (i, b) in stale.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        #expect(why(stale) == "docker's API at \(stale): Connection refused")
        let hanging = try FakeDocker("hang")
        let start = ContinuousClock.now
        #expect(why(hanging.socket) == "docker's API at \(hanging.socket): no answer within 0.5 s")
        #expect(ContinuousClock.now - start < .seconds(3), "a daemon that never answers costs the timeout, not more")
        let notFound = try FakeDocker("notfound")
        #expect(why(notFound.socket) == "docker's API at \(notFound.socket) answered HTTP 404")
        let garbage = try FakeDocker("garbage")
        #expect(why(garbage.socket)?.hasPrefix("docker's API at \(garbage.socket) answered no HTTP response") == true)
        // Closed at once: the request's write may meet the close (a reset) or the read the end.
        let closed = try FakeDocker("close")
        let answer = why(closed.socket)
        #expect(
            answer == "docker's API at \(closed.socket) answered no HTTP response"
                || answer == "docker's API at \(closed.socket): Connection reset by peer", "\(String(describing: answer))")
    }

    @Test func answersAreReadAsDockerSendsThem() {
        func version(_ text: String) -> String {
            switch DockerAPI.versionAnswer(Array(text.utf8)) {
            case .success(let v): return v.text
            case .failure(let e): return e.description
            }
        }
        #expect(version("HTTP/1.1 200 OK\r\nContent-Length: 24\r\n\r\n{\"Version\":\"1.13.1\"}    ") == "1.13.1")
        #expect(version("HTTP/1.1 200 OK\r\n\r\n{\"ApiVersion\":\"1.41\"}") == "no \"Version\" in its JSON")
        #expect(version("HTTP/1.1 200 OK\r\n\r\n{\"Version\":\"dev\"}") == "a version that is not MAJOR.MINOR (\"dev\")")
        #expect(version("HTTP/1.1 200 OK\r\n\r\n[1,2]") == "a body that is not a JSON object")
        #expect(version("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == "a malformed chunked body")
        #expect(version("HTTP/1.1 500 Internal Server Error\r\n\r\n") == "HTTP 500")
        #expect(version("SSH-2.0-OpenSSH\r\n\r\n") == "no HTTP response (\"SSH-2.0-OpenSSH\")")
    }

    @Test func daemonJSONsHostsNameTheSocket() {
        func socket(_ json: String) -> String? { DockerDaemonConfig.parse(Data(json.utf8)).apiSocket }
        #expect(socket("{}") == "/var/run/docker.sock")
        #expect(socket(#"{"hosts": ["tcp://0.0.0.0:2375", "unix:///run/d.sock"]}"#) == "/run/d.sock")
        #expect(socket(#"{"hosts": ["fd://"]}"#) == "/var/run/docker.sock", "systemd's docker.socket")
        #expect(socket(#"{"hosts": ["tcp://0.0.0.0:2375"]}"#) == nil, "tcp only: not asked")
        #expect(DockerDaemonConfig.parse(Data(#"{"hosts": "unix:///x"}"#.utf8)).problems == ["\"hosts\" is not a list of strings"])
    }

    /// The serving agent asks on a thread of its own, keeps the answer, and asks again only when
    /// docker's socket is made anew (dockerd restarted): one request per socket, none per read.
    @Test func theAgentAsksOncePerDockerStart() throws {
        let fake = try FakeDocker("version", version: "17.03.2-ce")
        let dir = fake.dir
        try FileManager.default.createDirectory(atPath: dir + "/docker", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repo.fixture("workloads") + "/docker", toPath: dir + "/root")
        try writeClosingOnExec(dir + "/daemon.json", #"{"hosts": ["unix://\#(fake.socket)"]}"#)
        let sources = WorkloadSources(
            options: WorkloadSources.Options(
                dockerRoot: dir + "/root", detectDocker: false, dockerConfig: dir + "/daemon.json", containerdConfig: nil, volumeGroups: nil
            ),
            logger: Logger(label: "test"))
        let first = sources.inventory().docker?.dialect
        #expect(first?.version == nil, "the first read does not wait for docker: \(String(describing: first))")
        let asked = waitFor(10) { sources.inventory().docker?.dialect.version }
        #expect(asked == DockerVersion(17, 3, 2))
        #expect(sources.inventory().docker?.dialect.source == .socket(fake.socket))
        for _ in 0..<5 { _ = sources.inventory() }
        #expect(fake.requests == 1, "asked once while the socket stands")
        // docker restarts (a new socket) as another version.
        try fake.start("version", version: "18.09.0")
        let again = waitFor(10) { sources.inventory().docker?.dialect.version.flatMap { $0 == DockerVersion(18, 9, 0) ? $0 : nil } }
        #expect(again != nil)
    }

    /// An ask that failed -- docker busy starting, its answer past the timeout -- is made again
    /// after a while, though the socket stays the same.
    @Test func aFailedAskIsMadeAgain() throws {
        let fake = try FakeDocker("hangfirst", version: "1.13.1")
        let dir = fake.dir
        try FileManager.default.copyItem(atPath: Repo.fixture("workloads") + "/docker", toPath: dir + "/root")
        try writeClosingOnExec(dir + "/daemon.json", #"{"hosts": ["unix://\#(fake.socket)"]}"#)
        var options = WorkloadSources.Options(
            dockerRoot: dir + "/root", detectDocker: false, dockerConfig: dir + "/daemon.json", containerdConfig: nil, volumeGroups: nil)
        options.dockerVersion = .ask(synchronously: true)
        options.dockerTimeout = (oneOff: 0.3, agent: 0.3)
        options.dockerRetryAfter = 1
        let sources = WorkloadSources(options: options, logger: Logger(label: "test"))
        #expect(sources.inventory().docker?.dialect == .unknown("docker's API at \(fake.socket): no answer within 0.3 s"))
        #expect(sources.inventory().docker?.dialect.version == nil, "not asked again at once")
        #expect(fake.requests == 1)
        // Past dockerRetryAfter the same socket is asked again, and answers this time.
        let v = waitFor(10) { sources.inventory().docker?.dialect.version }
        #expect(v == DockerVersion(1, 13, 1))
        #expect(fake.requests == 2)
    }
}
