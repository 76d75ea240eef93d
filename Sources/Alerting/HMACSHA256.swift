import CLibCrypto

/// HMAC-SHA256 from OpenSSL's libcrypto (already in the process through libcurl).
public enum HMACSHA256 {
    public static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        let ok = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &out, &length)
            }
        }
        precondition(ok != nil && length == 32, "HMAC-SHA256 failed")
        return out
    }

    public static func hex(key: [UInt8], message: [UInt8]) -> String {
        mac(key: key, message: message).map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}
