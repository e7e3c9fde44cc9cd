import ArchGraph

extension Weights {
    /// Tensors a checkpoint may hold that inference never reads.
    static func isIgnored(_ entry: SafetensorsFile.Entry) -> Bool {
        entry.name.hasSuffix("num_batches_tracked") || entry.name.hasPrefix("vitscope.") || entry.shape.contains(0)
    }

    /// Whether a file's tensor shape holds the graph's tensor: equal once size-1 axes are
    /// dropped (vit-pytorch stores some tensors as `(1, C, 1, 1)` or without the batch axis),
    /// which leaves the row-major order of the elements unchanged.
    static func fits(_ stored: [Int], _ expected: [Int]) -> Bool {
        stored.filter { $0 != 1 } == expected.filter { $0 != 1 }
    }

    /// The weights of `graph` read from a safetensors file written by the model's reference
    /// implementation, under the names and in the layouts the graph's nodes declare
    /// (``Node/referenceParameters``, ``Node/referenceBuffers``): every parameter and buffer must
    /// be present as F32 with the graph's shape, and every tensor in the file must be used
    /// (BatchNorm's `num_batches_tracked`, `vitscope.*` fixture entries and empty tensors excepted).
    /// - Throws: every problem found, each naming the tensor and the node.
    public static func load(_ file: SafetensorsFile, graph: Graph) throws(WeightsErrors) -> Weights {
        var problems: [WeightsError] = []
        var used: Set<String> = []
        func read(_ node: Node, _ description: ParameterTensor, _ reference: ReferenceTensor) -> Tensor? {
            let name = reference.name
            used.insert(name)
            do {
                let expected = try concrete(description.shape, node)
                guard let entry = file.entry(name) else {
                    problems.append(
                        WeightsError(tensor: name, "is missing (node \(node.path) needs \(description.name) of shape \(expected))"))
                    return nil
                }
                guard fits(entry.shape, expected) else {
                    problems.append(WeightsError(tensor: name, "has shape \(entry.shape) but node \(node.path) needs \(expected)"))
                    return nil
                }
                let stored = try file.tensor(name)
                let tensor = Tensor(zeros: expected, pooled: false)
                tensor.data.update(from: stored.data, count: stored.count)
                reference.layout?.toGraphOrder(tensor)
                return tensor
            } catch let error as WeightsError {
                problems.append(error)
            } catch {
                problems.append(WeightsError(tensor: name, "\(error)"))
            }
            return nil
        }
        var parameters: [[Tensor]] = [], buffers: [[Tensor]] = []
        for node in graph.nodes {
            guard node.hasReferenceNames else {
                do { _ = try node.referenceTensors() } catch { problems.append(error) }
                continue
            }
            parameters.append(zip(node.parameters, node.referenceParameters).compactMap { read(node, $0, $1) })
            buffers.append(zip(node.op.buffers, node.referenceBuffers).compactMap { read(node, $0, $1) })
        }
        for entry in file.entries where !used.contains(entry.name) && !isIgnored(entry) {
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
