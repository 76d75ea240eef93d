/// The pool's mode as one value.
public enum PoolMode: String, Hashable, Sendable, CaseIterable {
    case readWrite = "rw"
    case readOnly = "ro"
    case outOfDataSpace = "out_of_data_space"
    case fail
    case error
}
