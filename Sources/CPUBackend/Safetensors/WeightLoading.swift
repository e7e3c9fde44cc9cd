import ArchGraph
import Architectures

extension Weights {
    /// Tensors a checkpoint may hold that inference never reads.
    static func isIgnored(_ name: String) -> Bool {
        name.hasSuffix("num_batches_tracked") || name.hasPrefix("vitscope.")
    }

    /// The weights of `graph` read from a safetensors file written by the reference
    /// implementation of `family`: every parameter and buffer must be present as F32 with the
    /// graph's shape, and every tensor in the file must be used (BatchNorm's
    /// `num_batches_tracked` and `vitscope.*` fixture entries excepted).
    /// - Throws: every problem found, each naming the tensor and the node.
    public static func load(_ file: SafetensorsFile, family: Family, graph: Graph) throws(WeightsErrors) -> Weights {
        var problems: [WeightsError] = []
        var used: Set<String> = []
        func read(_ node: Node, _ description: ParameterTensor) -> Tensor? {
            let name = ReferenceNames.name(family: family, path: node.path, tensor: description.name)
            used.insert(name)
            do {
                let expected = try concrete(description.shape, node)
                guard let entry = file.entry(name) else {
                    problems.append(WeightsError(tensor: name, "is missing (node \(node.path) needs \(description.name) of shape \(expected))"))
                    return nil
                }
                guard entry.shape == expected else {
                    problems.append(WeightsError(tensor: name, "has shape \(entry.shape) but node \(node.path) needs \(expected)"))
                    return nil
                }
                return try file.tensor(name)
            } catch let error as WeightsError {
                problems.append(error)
            } catch {
                problems.append(WeightsError(tensor: name, "\(error)"))
            }
            return nil
        }
        var parameters: [[Tensor]] = [], buffers: [[Tensor]] = []
        for node in graph.nodes {
            parameters.append(node.parameters.compactMap { read(node, $0) })
            buffers.append(node.op.buffers.compactMap { read(node, $0) })
        }
        for entry in file.entries where !used.contains(entry.name) && !isIgnored(entry.name) {
            problems.append(WeightsError(tensor: entry.name, "is not used by any node of the model (shape \(entry.shape))"))
        }
        if !problems.isEmpty { throw WeightsErrors(problems: problems) }
        return Weights(parameters: parameters, buffers: buffers)
    }
}

/// Every problem found in a weight file.
public struct WeightsErrors: Error, Equatable, Sendable {
    public let problems: [WeightsError]
}
