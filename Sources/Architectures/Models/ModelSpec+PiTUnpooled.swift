extension ModelSpec {
    /// What each transformer stage of a PiT model would be without the pooling before it.
    ///
    /// One spec per stage, in stage order: a one-stage PiT with that stage's width, heads and
    /// depth, at this spec's image size, input channels and classes, so its only stage works on
    /// the grid of the patch embedding (27×27 for PiT-S at 224×224). `nil` for other families.
    public var unpooledStages: [ModelSpec]? {
        guard case .pit(let c) = config else { return nil }
        let stages = min(c.baseDims.count, c.depth.count, c.heads.count)
        return (0..<stages).map { index in
            let single = PiTConfig(
                patchSize: c.patchSize, stride: c.stride, baseDims: [c.baseDims[index]],
                depth: [c.depth[index]], heads: [c.heads[index]], mlpRatio: c.mlpRatio,
                distilled: c.distilled)
            return ModelSpec(
                name: "\(name)_stage\(index + 1)_unpooled", reference: reference, imageSize: imageSize,
                inChannels: inChannels, numClasses: numClasses, config: .pit(single))
        }
    }
}
