import Architectures
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
                .map { JSONLiteral.quoted($0.key) + ":" + JSONLiteral.quoted($0.value) }.joined(separator: ",") + "},"
        }
        var offset = 0
        header += tensors.map { name, tensor in
            defer { offset += tensor.count * 4 }
            return JSONLiteral.quoted(name) + ":{\"dtype\":\"F32\",\"shape\":[" + tensor.shape.map(String.init).joined(separator: ",")
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
}

extension Weights {
    /// The weights under the reference implementation's names, parameters then buffers per
    /// node, ready for ``SafetensorsFile/encode(_:metadata:)``.
    public func named(spec: ModelSpec, graph: Graph) -> [(name: String, tensor: Tensor)] {
        let layout = ReferenceLayout(spec: spec, graph: graph)
        return graph.nodes.flatMap { node in
            zip(node.parameters + node.op.buffers, parameters(node.index) + buffers[node.index]).map { description, tensor in
                (ReferenceNames.name(spec: spec, node: node, tensor: description.name),
                 layout.toReferenceOrder(tensor, node: node, tensor: description.name))
            }
        }
    }
}
