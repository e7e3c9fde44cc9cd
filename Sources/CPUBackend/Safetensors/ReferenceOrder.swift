import ArchGraph

extension ReferenceLayout {
    /// Reorders `t`, read from a reference file, into the graph's order in place: every run of
    /// ``axisLength`` elements along the last axis is permuted by ``referenceIndices``.
    func toGraphOrder(_ t: Tensor) {
        let order = referenceIndices, width = order.count, copy = t.values
        for row in 0..<(t.count / width) {
            for f in 0..<width { t.data[row * width + f] = copy[row * width + order[f]] }
        }
    }

    /// A copy of graph tensor `t` in the reference's order.
    func toReferenceOrder(_ t: Tensor) -> Tensor {
        let order = referenceIndices, width = order.count, out = Tensor(zeros: t.shape)
        for row in 0..<(t.count / width) {
            for f in 0..<width { out.data[row * width + order[f]] = t.data[row * width + f] }
        }
        return out
    }
}

extension Node {
    /// The reference names and layouts of the node's parameters then buffers, or a problem
    /// when its builder declared none (a model whose weights no reference file can name).
    func referenceTensors() throws(WeightsError) -> [ReferenceTensor] {
        let tensors = parameters + op.buffers
        guard hasReferenceNames else {
            throw WeightsError(
                "node \(path) has \(tensors.map(\.name).joined(separator: ", ")) but its model's builder "
                    + "declares no reference names for them")
        }
        return referenceParameters + referenceBuffers
    }
}
