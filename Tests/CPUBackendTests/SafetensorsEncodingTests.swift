import CPUBackend
import Testing

/// The safetensors header vitscope writes, byte for byte: compact JSON, metadata first with
/// sorted keys, then the tensors in order, padded with spaces to a multiple of 8 bytes.
@Suite struct SafetensorsEncodingTests {
    @Test func headerBytes() throws {
        let bytes = SafetensorsFile.encode(
            [("a", Tensor(shape: [2], values: [1, 2])), ("b\"c", Tensor(shape: [1, 1], values: [3]))],
            metadata: ["z": "1", "spec": "{\"x\": 2}"])
        let header =
            "{\"__metadata__\":{\"spec\":\"{\\\"x\\\": 2}\",\"z\":\"1\"},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\\\"c\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}"
        let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        #expect(Array(bytes.prefix(8)) == [UInt8(padded.utf8.count), 0, 0, 0, 0, 0, 0, 0])
        #expect(String(decoding: bytes[8..<(8 + padded.utf8.count)], as: UTF8.self) == padded)
        #expect(bytes.count == 8 + padded.utf8.count + 12)
        let file = try SafetensorsFile(bytes: bytes)
        #expect(file.metadata == ["z": "1", "spec": "{\"x\": 2}"])
        #expect(try file.tensor("b\"c").values == [3])
    }

    @Test func emptyFile() throws {
        #expect(SafetensorsFile.encode([]) == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        let onlyMetadata = SafetensorsFile.encode([], metadata: ["k": "v"])
        #expect(try SafetensorsFile(bytes: onlyMetadata).metadata == ["k": "v"])
    }
}
