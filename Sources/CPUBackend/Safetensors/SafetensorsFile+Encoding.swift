import ArchGraph
import JSONOutput

extension SafetensorsFile {
    /// The bytes of a safetensors file holding `tensors` as F32, in the given order.
    /// - Parameters:
    ///   - tensors: names and tensors.
    ///   - metadata: the header's `__metadata__` map, written with sorted keys.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) -> [UInt8] {
        var members: [(String, JSONText)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var offset = 0
        for (name, tensor) in tensors {
            members.append(
                (
                    name,
                    .object([
                        ("dtype", .string("F32")), ("shape", .array(tensor.shape.map(JSONText.int))),
                        ("data_offsets", .array([.int(offset), .int(offset + tensor.count * 4)])),
                    ])
                ))
            offset += tensor.count * 4
        }
        var header = JSONText.object(members).rendered(.tight)
        while (header.utf8.count + 8) % 8 != 0 { header += " " }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.utf8.count + offset)
        let length = UInt64(header.utf8.count)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        bytes += header.utf8
        for (_, tensor) in tensors {
            for i in 0..<tensor.count {
                let bits = tensor.data[i].bitPattern.littleEndian
                for b in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt32(b)))) }
            }
        }
        return bytes
    }
}
