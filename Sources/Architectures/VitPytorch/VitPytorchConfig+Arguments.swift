extension VitPytorchConfig {
    /// The configuration's arguments (all but `image_size`, `channels` and `num_classes`) in
    /// `__init__` order, every default written out, as Python values.
    public var arguments: [(name: String, value: PythonValue)] {
        func int(_ value: Int) -> PythonValue { PythonValue(.int(value), literal: String(value), line: 0, column: 0) }
        func float(_ value: Double) -> PythonValue { PythonValue(.float(value), literal: value.description, line: 0, column: 0) }
        func string(_ value: String) -> PythonValue { PythonValue(.string(value), line: 0, column: 0) }
        func tuple(_ values: [Int]) -> PythonValue { PythonValue(.tuple(values.map(int)), line: 0, column: 0) }
        switch self {
        case .vit(let c):
            let patch = c.patchHeight == c.patchWidth ? int(c.patchHeight) : tuple([c.patchHeight, c.patchWidth])
            return [
                ("patch_size", patch), ("dim", int(c.dim)), ("depth", int(c.depth)), ("heads", int(c.heads)),
                ("mlp_dim", int(c.mlpDim)), ("pool", string(c.pool.rawValue)), ("dim_head", int(c.dimHead)),
                ("dropout", float(c.dropout)), ("emb_dropout", float(c.embDropout)),
            ]
        case .pit(let c):
            return [
                ("patch_size", int(c.patchSize)), ("dim", int(c.dim)), ("depth", tuple(c.depth)),
                ("heads", c.heads.count == 1 ? int(c.heads[0]) : tuple(c.heads)), ("mlp_dim", int(c.mlpDim)),
                ("dim_head", int(c.dimHead)), ("dropout", float(c.dropout)), ("emb_dropout", float(c.embDropout)),
            ]
        case .t2tViT(let c):
            let layers = PythonValue(.tuple(c.t2tLayers.map { tuple([$0.kernel, $0.stride]) }), line: 0, column: 0)
            return [
                ("dim", int(c.dim)), ("depth", int(c.depth)), ("heads", int(c.heads)), ("mlp_dim", int(c.mlpDim)),
                ("pool", string(c.pool.rawValue)), ("dim_head", int(c.dimHead)), ("dropout", float(c.dropout)),
                ("emb_dropout", float(c.embDropout)), ("t2t_layers", layers),
            ]
        case .cvt(let c):
            var arguments: [(name: String, value: PythonValue)] = []
            for (index, s) in c.stages.enumerated() {
                let values = [s.embDim, s.embKernel, s.embStride, s.projKernel, s.kvProjStride, s.heads, s.depth, s.mlpMult]
                for (key, value) in zip(VitPytorchClass.cvtStageKeys, values) { arguments.append(("s\(index + 1)_" + key, int(value))) }
            }
            return arguments + [("dropout", float(c.dropout))]
        }
    }
}
