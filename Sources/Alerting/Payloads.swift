import Foundation
import SystemIO
import ThinPoolCore

/// Bodies in the formats existing consumers read.
public enum Payloads {
    /// Who we are in payloads: the `host` label and the link to the exporter.
    public struct Context: Sendable {
        public var host: String
        public var externalURL: String

        public init(host: String, externalURL: String) {
            self.host = host
            self.externalURL = externalURL
        }
    }

    public static func render(_ n: AlertNotification, receiver: ReceiverConfig, context: Context) throws -> OutgoingRequest {
        let url = try receiver.url.resolve()
        var headers = [
            ("Content-Type", "application/json"), ("User-Agent", "thinpool-exporter"),
            ("X-Thinpool-Notification-Id", n.id),
        ]
        let body: JSONValue
        var target = url
        switch receiver.kind {
        case .webhook:
            body = webhookV4(n, receiver: receiver.name, context: context)
        case .alertmanager:
            body = alertmanagerV2(n, context: context)
            target = alertmanagerEndpoint(url)
        case .slack:
            body = slack(n, context: context)
            headers.removeAll { $0.0 == "X-Thinpool-Notification-Id" }
        case .pagerduty:
            body = pagerDuty(n, routingKey: try receiver.routingKey?.resolve() ?? "", context: context)
        case .command:
            // Not posted: the program gets this body in THINPOOL_NOTIFICATION_JSON.
            body = webhookV4(n, receiver: receiver.name, context: context)
        }
        let bytes = Array(body.serialized().utf8)
        if let secretFile = receiver.hmacSecretFile {
            let secret = try readTextFile(secretFile).trimmingCharacters(in: .whitespacesAndNewlines)
            headers.append(("X-Thinpool-Signature", "sha256=" + HMACSHA256.hex(key: Array(secret.utf8), message: bytes)))
        }
        return OutgoingRequest(url: target, headers: headers, body: bytes)
    }

    /// Alertmanager's base URL or its full alerts endpoint.
    static func alertmanagerEndpoint(_ url: String) -> String {
        if url.hasSuffix("/api/v2/alerts") { return url }
        return (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/api/v2/alerts"
    }

    static let zeroTime = "0001-01-01T00:00:00Z"

    static func time(_ d: Date) -> String { RFC3339.format(d) }

    static func labels(_ a: NotifiedAlert, _ c: Context) -> JSONValue {
        .object(a.labels(host: c.host).map { JSONMember($0.0, .string($0.1)) })
    }

    static func annotations(_ a: NotifiedAlert) -> JSONValue {
        .object(["summary": .string(a.summary), "description": .string(a.description)])
    }

    /// Alertmanager's fingerprint: FNV-1a 64 over the sorted label names and values.
    static func fingerprint(_ a: NotifiedAlert, _ c: Context) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for (k, v) in a.labels(host: c.host).sorted(by: { $0.0 < $1.0 }) {
            for byte in Array(k.utf8) + [0xff] + Array(v.utf8) + [0xff] {
                h ^= UInt64(byte)
                h = h &* 0x100_0000_01b3
            }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Alertmanager's webhook receiver format (version 4), so existing consumers work.
    public static func webhookV4(_ n: AlertNotification, receiver: String, context c: Context) -> JSONValue {
        let first = n.alerts[0]
        let group: [(String, String)] = [("alertname", first.name.rawValue), ("pool", first.pool)]
        let common = n.alerts.dropFirst().reduce(first.labels(host: c.host)) { acc, a in
            acc.filter { l in a.labels(host: c.host).contains { $0 == l } }
        }
        return .object([
            "version": "4",
            "groupKey": .string("{}:{" + group.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ", ") + "}"),
            "truncatedAlerts": 0,
            "status": .string(n.status.rawValue),
            "receiver": .string(receiver),
            "groupLabels": .object(group.map { JSONMember($0.0, .string($0.1)) }),
            "commonLabels": .object(common.map { JSONMember($0.0, .string($0.1)) }),
            "commonAnnotations": n.alerts.count == 1 ? annotations(first) : .object([]),
            "externalURL": .string(c.externalURL),
            "alerts": .array(
                n.alerts.map { a in
                    .object([
                        "status": .string(a.status.rawValue),
                        "labels": labels(a, c),
                        "annotations": annotations(a),
                        "startsAt": .string(time(a.startsAt)),
                        "endsAt": .string(a.endsAt.map(time) ?? zeroTime),
                        "generatorURL": .string(c.externalURL),
                        "fingerprint": .string(fingerprint(a, c)),
                    ])
                }),
        ])
    }

    /// Alertmanager API v2 (POST /api/v2/alerts): firing alerts without endsAt (Alertmanager
    /// resolves them if they stop coming), resolved ones with it.
    public static func alertmanagerV2(_ n: AlertNotification, context c: Context) -> JSONValue {
        .array(
            n.alerts.map { a in
                var m: [JSONMember] = [
                    JSONMember("labels", labels(a, c)),
                    JSONMember("annotations", annotations(a)),
                    JSONMember("startsAt", .string(time(a.startsAt))),
                    JSONMember("generatorURL", .string(c.externalURL)),
                ]
                if let e = a.endsAt { m.append(JSONMember("endsAt", .string(time(e)))) }
                return .object(m)
            })
    }

    /// A Slack incoming-webhook message.
    public static func slack(_ n: AlertNotification, context c: Context) -> JSONValue {
        let lines = n.alerts.map { a in
            let mark = a.status == .resolved ? "RESOLVED" : "FIRING:\(a.severity.rawValue)"
            return "[\(mark)] \(a.name.rawValue) on \(c.host): \(a.summary)"
        }
        let color =
            n.status == .resolved ? "good" : (n.alerts.contains { $0.status == .firing && $0.severity == .critical } ? "danger" : "warning")
        return .object([
            "text": .string(lines.joined(separator: "\n")),
            "attachments": .array([
                .object([
                    "color": .string(color),
                    "text": .string(n.alerts.filter { $0.status == .firing }.map(\.description).joined(separator: "\n")),
                    "footer": .string("thinpool-exporter \(c.externalURL)"),
                ])
            ]),
        ])
    }

    /// PagerDuty Events v2: one trigger or resolve event with a dedup key stable per host, pool
    /// and alert name. A severity change (old resolved, new firing) is a trigger for the same
    /// key: PagerDuty updates the incident.
    public static func pagerDuty(_ n: AlertNotification, routingKey: String, context c: Context) -> JSONValue {
        let a = n.alerts.first { $0.status == .firing } ?? n.alerts[0]
        let key = "thinpool-exporter/\(c.host)/\(a.pool)/\(a.name.rawValue)"
        if a.status == .resolved {
            return .object(["routing_key": .string(routingKey), "event_action": "resolve", "dedup_key": .string(key)])
        }
        return .object([
            "routing_key": .string(routingKey),
            "event_action": "trigger",
            "dedup_key": .string(key),
            "payload": .object([
                "summary": .string(String(a.summary.prefix(1024))),
                "source": .string(c.host),
                "severity": .string(a.severity.rawValue),
                "timestamp": .string(time(a.startsAt)),
                "component": .string(a.pool),
                "group": "thinpool",
                "class": .string(a.name.rawValue),
                "custom_details": .object(["description": .string(a.description)]),
            ]),
            "links": .array([.object(["href": .string(c.externalURL), "text": "thinpool-exporter"])]),
        ])
    }
}
