/// Each class's own arguments (all but `image_size`, `channels` and `num_classes`), with
/// vit-pytorch 1.26.11's defaults.
extension VitPytorchArgumentReader {
    /// The class's configuration, or nil when an argument is wrong (reported).
    mutating func config() -> VitPytorchConfig? {
        switch modelClass {
        case .vit: vit().map(VitPytorchConfig.vit)
        case .pit: pit().map(VitPytorchConfig.pit)
        case .t2tViT: t2tViT().map(VitPytorchConfig.t2tViT)
        case .cvt: cvt().map(VitPytorchConfig.cvt)
        }
    }

    private mutating func vit() -> VitPytorchViT? {
        let patch = pair("patch_size")
        let dim = int("dim"), depth = int("depth", in: Self.depths), heads = int("heads"), mlpDim = int("mlp_dim")
        let pool = pool("pool"), dimHead = int("dim_head", default: 64)
        let dropout = probability("dropout"), embDropout = probability("emb_dropout")
        guard let patch, let dim, let depth, let heads, let mlpDim, let pool, let dimHead, let dropout, let embDropout
        else { return nil }
        return VitPytorchViT(
            patchHeight: patch.0, patchWidth: patch.1, dim: dim, depth: depth, heads: heads, mlpDim: mlpDim,
            pool: pool, dimHead: dimHead, dropout: dropout, embDropout: embDropout)
    }

    private mutating func pit() -> VitPytorchPiT? {
        let intOnly = "vit-pytorch's PiT takes one int here"
        let patchSize = int("patch_size", why: intOnly)
        let dim = int("dim"), depth = intTuple("depth", in: Self.depths, example: "(3, 3, 3)")
        let heads = intOrTuple("heads"), mlpDim = int("mlp_dim"), dimHead = int("dim_head", default: 64)
        let dropout = probability("dropout"), embDropout = probability("emb_dropout")
        // A heads tuple is zipped with depth, so even a one-entry tuple sets the number of stages.
        // vit-pytorch builds such a model without complaint; it is reported because it is never meant.
        if let depth, let heads, case .tuple = values["heads"]?.kind, heads.count != depth.count {
            let effect =
                heads.count < depth.count
                ? "so it would build only \(heads.count) transformer stage\(heads.count == 1 ? "" : "s"), followed by a pooling layer that nothing uses"
                : "so the last \(heads.count - depth.count) heads entries would be ignored"
            report(
                "heads", at: values["heads"],
                "has \(heads.count) entr\(heads.count == 1 ? "y" : "ies") but depth has \(depth.count); "
                    + "vit-pytorch's PiT pairs them with zip, \(effect)",
                fix: "give one heads entry per depth entry, or one int for every stage")
        }
        guard let patchSize, let dim, let depth, let heads, let mlpDim, let dimHead, let dropout, let embDropout
        else { return nil }
        return VitPytorchPiT(
            patchSize: patchSize, dim: dim, depth: depth, heads: heads, mlpDim: mlpDim, dimHead: dimHead,
            dropout: dropout, embDropout: embDropout)
    }

    private mutating func t2tViT() -> VitPytorchT2TViT? {
        let dim = int("dim")
        // depth, heads and mlp_dim default to None; vit-pytorch asserts they are given.
        var absent: [String] = []
        for name in ["depth", "heads", "mlp_dim"] where values[name] == nil || values[name]?.kind == PythonValue.Kind.none {
            absent.append(name)
        }
        if !absent.isEmpty {
            report(
                absent[0], at: absent.compactMap { values[$0] }.first,
                "\(absent.joined(separator: ", ")) not given; "
                    + "vit-pytorch's T2TViT asserts at construction that depth, heads and mlp_dim are supplied",
                fix: "give depth, heads and mlp_dim")
        }
        let given = { (name: String) in !absent.contains(name) }
        let depth = given("depth") ? int("depth", in: Self.depths) : nil
        let heads = given("heads") ? int("heads") : nil
        let mlpDim = given("mlp_dim") ? int("mlp_dim") : nil
        let pool = pool("pool"), dimHead = int("dim_head", default: 64)
        let dropout = probability("dropout"), embDropout = probability("emb_dropout")
        let transformerOK = noneOnly(
            "transformer",
            why: "vitscope builds vit-pytorch's own Transformer from depth, heads, "
                + "mlp_dim and dim_head")
        let layers = t2tLayers("t2t_layers")
        guard let dim, let depth, let heads, let mlpDim, let pool, let dimHead, let dropout, let embDropout, transformerOK,
            let layers
        else { return nil }
        return VitPytorchT2TViT(
            dim: dim, depth: depth, heads: heads, mlpDim: mlpDim, pool: pool, dimHead: dimHead,
            dropout: dropout, embDropout: embDropout, t2tLayers: layers)
    }

    private mutating func cvt() -> VitPytorchCvT? {
        var stages: [VitPytorchCvTStage?] = []
        for (index, defaults) in VitPytorchCvT.defaultStages.enumerated() {
            let p = "s\(index + 1)_"
            let embDim = int(p + "emb_dim", default: defaults.embDim)
            let embKernel = int(p + "emb_kernel", default: defaults.embKernel)
            let embStride = int(p + "emb_stride", default: defaults.embStride)
            let projKernel = int(p + "proj_kernel", default: defaults.projKernel)
            let kvProjStride = int(p + "kv_proj_stride", default: defaults.kvProjStride)
            let heads = int(p + "heads", default: defaults.heads)
            let depth = int(p + "depth", default: defaults.depth, in: Self.depths)
            let mlpMult = int(p + "mlp_mult", default: defaults.mlpMult)
            guard let embDim, let embKernel, let embStride, let projKernel, let kvProjStride, let heads, let depth, let mlpMult else {
                stages.append(nil)
                continue
            }
            stages.append(
                VitPytorchCvTStage(
                    embDim: embDim, embKernel: embKernel, embStride: embStride, projKernel: projKernel,
                    kvProjStride: kvProjStride, heads: heads, depth: depth, mlpMult: mlpMult))
        }
        let dropout = probability("dropout")
        guard let dropout, !stages.contains(nil) else { return nil }
        return VitPytorchCvT(stages: stages.compactMap { $0 }, dropout: dropout)
    }

    // MARK: Top-level arguments of a call

    /// `image_size`: an int, or for ViT also a pair `(height, width)`.
    mutating func imageSize() -> ImageSize? {
        let sides = 1...Limits.maxImageSide
        if modelClass == .vit {
            return pair("image_size", in: sides).map { ImageSize(height: $0.0, width: $0.1) }
        }
        let why = "vit-pytorch's \(modelClass.rawValue) takes one int (the image is square)"
        return int("image_size", in: sides, why: why).map { ImageSize($0) }
    }
}
