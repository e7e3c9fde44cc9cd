extension VitPytorch {
    /// One call per class, modelled on the usage examples of vit-pytorch's README and measured
    /// with vit-pytorch 1.26.11, as specs named for files: `specs/vit_pytorch/<name>.json`.
    /// They are not presets; `vitscope specs` writes them beside the presets' files.
    public static let examples: [ModelSpec] = [
        (
            "vit_pytorch_vit",
            "ViT(image_size=256, patch_size=32, num_classes=1000, dim=1024, depth=6, heads=16, mlp_dim=2048, dropout=0.1, emb_dropout=0.1)"
        ),
        ("vit_pytorch_pit", "PiT(image_size=224, patch_size=14, dim=256, num_classes=1000, depth=(3, 3, 3), heads=16, mlp_dim=2048)"),
        (
            "vit_pytorch_t2t_vit",
            "T2TViT(dim=512, image_size=224, depth=5, heads=8, mlp_dim=512, num_classes=1000, t2t_layers=((7, 4), (3, 2), (3, 2)))"
        ),
        ("vit_pytorch_cvt", "CvT(num_classes=1000)"),
    ].compactMap { name, call in
        guard var spec = try? spec(call: call) else { return nil }
        spec.name = name
        spec.notes = ["vit-pytorch constructor call: " + call]
        return spec
    }
}
