public enum SpaceKind: String, Sendable, CaseIterable, Codable {
    case data, metadata
}
