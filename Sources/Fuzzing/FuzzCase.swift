import Foundation

/// One fuzz input: a `vitscope` command line, with the files it names. `{spec}` and `{weights}`
/// in the arguments stand for files holding `spec` and `weights`.
public struct FuzzCase: Sendable, Equatable {
    public var arguments: [String]
    /// Text of the spec file `{spec}` stands for.
    public var spec: String?
    /// Bytes of the safetensors file `{weights}` stands for.
    public var weights: [UInt8]?

    public init(arguments: [String], spec: String? = nil, weights: [UInt8]? = nil) {
        self.arguments = arguments
        self.spec = spec
        self.weights = weights
    }

    /// The case as one JSON line, the form of the regression file:
    /// `{"args": [...], "spec": "...", "weights_base64": "..."}`.
    public var jsonLine: String {
        var object: [String: Any] = ["args": arguments]
        if let spec { object["spec"] = spec }
        if let weights { object["weights_base64"] = Data(weights).base64EncodedString() }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A case read back from a JSON line. Besides the fields of ``jsonLine`` it understands
    /// `"weights_fixture": NAME` (a file of `fixtures`) with `"nan": TENSOR`, which sets that
    /// tensor's first element to NaN, so regressions need not hold whole weight files.
    public init?(jsonLine: String, fixtures: URL) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8))) as? [String: Any],
            let arguments = object["args"] as? [String]
        else { return nil }
        self.arguments = arguments
        spec = object["spec"] as? String
        if let text = object["weights_base64"] as? String {
            guard let data = Data(base64Encoded: text) else { return nil }
            weights = Array(data)
        } else if let name = object["weights_fixture"] as? String {
            guard let data = FileManager.default.contents(atPath: fixtures.appendingPathComponent(name + ".safetensors").path),
                var bytes = Optional(Array(data))
            else { return nil }
            if let tensor = object["nan"] as? String { bytes = SafetensorsBytes.settingNaN(tensor, in: bytes) ?? bytes }
            weights = bytes
        }
    }
}

/// Byte-level edits of a safetensors file.
enum SafetensorsBytes {
    /// The header's byte range (after the 8-byte length), when the length is sane.
    static func headerRange(_ bytes: [UInt8]) -> Range<Int>? {
        guard bytes.count >= 8 else { return nil }
        let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard length <= UInt64(bytes.count - 8) else { return nil }
        return 8..<(8 + Int(length))
    }

    /// `bytes` with the header replaced by `header` (and the length updated).
    static func replacingHeader(_ bytes: [UInt8], with header: [UInt8]) -> [UInt8] {
        guard let range = headerRange(bytes) else { return bytes }
        return withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + bytes[range.upperBound...]
    }

    /// `bytes` with the first float of `tensor` set to NaN, or nil when it has no such F32 tensor.
    static func settingNaN(_ tensor: String, in bytes: [UInt8]) -> [UInt8]? {
        guard let range = headerRange(bytes),
            let header = (try? JSONSerialization.jsonObject(with: Data(bytes[range]))) as? [String: Any],
            let entry = header[tensor] as? [String: Any], entry["dtype"] as? String == "F32",
            let offsets = entry["data_offsets"] as? [Int], offsets.count == 2, offsets[1] - offsets[0] >= 4
        else { return nil }
        var result = bytes
        let start = range.upperBound + offsets[0]
        guard start + 4 <= result.count else { return nil }
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { for i in 0..<4 { result[start + i] = $0[i] } }
        return result
    }
}
