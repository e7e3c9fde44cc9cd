import ArchGraph

extension SafetensorsFile {
    /// The bytes of a safetensors file holding `tensors` as F32, in the given order.
    /// - Parameters:
    ///   - tensors: names and tensors.
    ///   - metadata: the header's `__metadata__` map, written with sorted keys.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) -> [UInt8] {
        var header = "{"
        if !metadata.isEmpty {
            header += "\"__metadata__\":{" + metadata.sorted { $0.key < $1.key }
                .map { quoted($0.key) + ":" + quoted($0.value) }.joined(separator: ",") + "},"
        }
        var offset = 0
        header += tensors.map { name, tensor in
            defer { offset += tensor.count * 4 }
            return quoted(name) + ":{\"dtype\":\"F32\",\"shape\":[" + tensor.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(offset + tensor.count * 4)]}"
        }.joined(separator: ",") + "}"
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

    /// `text` as a JSON string literal for a header: quotes, backslashes and control
    /// characters escaped.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension Weights {
    /// The weights under the reference implementation's names and in its layouts, as the
    /// graph's nodes declare them, parameters then buffers per node, ready for
    /// ``SafetensorsFile/encode(_:metadata:)``.
    /// - Throws: a problem for each node with tensors whose builder declared no reference names.
    public func named(graph: Graph) throws(WeightsErrors) -> [(name: String, tensor: Tensor)] {
        var named: [(name: String, tensor: Tensor)] = []
        var problems: [WeightsError] = []
        for node in graph.nodes {
            do {
                let references = try node.referenceTensors()
                for (reference, tensor) in zip(references, parameters(node.index) + buffers[node.index]) {
                    named.append((reference.name, reference.layout?.toReferenceOrder(tensor) ?? tensor))
                }
            } catch {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw WeightsErrors(problems: problems) }
        return named
    }
}
