/// One alert instance: a pool and an alert name. At most one severity at a time.
public struct AlertKey: Hashable, Sendable, Codable, Comparable {
    public var pool: String
    public var name: AlertName

    public init(pool: String, name: AlertName) {
        self.pool = pool
        self.name = name
    }

    public static func < (a: AlertKey, b: AlertKey) -> Bool {
        (a.pool, a.name.rawValue) < (b.pool, b.name.rawValue)
    }
}
