import Testing

@testable import Architectures

/// Reading calls: every problem at once, each at its line and column, with what vit-pytorch
/// would do (assert at construction, or fail in the forward pass) and a fix.
@Suite("vit-pytorch calls")
struct VitPytorchCallTests {
    /// The problem descriptions reading `call` gives; empty when it reads.
    static func problems(_ call: String) -> [String] {
        do {
            _ = try VitPytorch.spec(call: call)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    static let vit = "ViT(image_size=256, patch_size=32, num_classes=1000, dim=1024, depth=6, heads=16, mlp_dim=2048"
    static let pit = "PiT(image_size=224, patch_size=14, dim=256, num_classes=1000, heads=16, mlp_dim=2048"
    static let t2t = "T2TViT(dim=512, image_size=224, num_classes=1000"

    @Test func readsDefaultsAndModulePrefixes() throws {
        let spec = try VitPytorch.spec(call: "vit_pytorch.cvt.CvT(num_classes=10, channels=1)")
        #expect(spec.config == .vitPytorch(.cvt(VitPytorchCvT())))
        #expect((spec.imageSize, spec.inChannels, spec.numClasses) == (ImageSize(224), 1, 10))
        #expect(spec.reference == "vit-pytorch 1.26.11 vit_pytorch.cvt.CvT")
        let vit = try VitPytorch.spec(
            call: "vit_pytorch.ViT(image_size=(192, 256), patch_size=(16, 32), num_classes=0, dim=8, depth=1, heads=2, mlp_dim=16)")
        #expect(vit.config == .vitPytorch(.vit(VitPytorchViT(patchHeight: 16, patchWidth: 32, dim: 8, depth: 1, heads: 2, mlpDim: 16))))
        #expect(vit.imageSize == ImageSize(height: 192, width: 256))
        #expect(
            vit.name == "vit_pytorch.ViT(image_size=(192, 256), patch_size=(16, 32), num_classes=0, dim=8, depth=1, heads=2, mlp_dim=16)")
    }

    @Test(arguments: [
        ("SimpleViT(dim=8)", ["call (line 1, column 1): unknown class 'SimpleViT'; vitscope reads vit-pytorch's ViT, PiT, T2TViT, CvT"]),
        (
            "Pit(dim=8)",
            ["call (line 1, column 1): unknown class 'Pit'; vitscope reads vit-pytorch's ViT, PiT, T2TViT, CvT; did you mean PiT?"]
        ),
        (
            "vit_pytorch.PiT(dim=8)",
            [
                "call (line 1, column 1): unknown class 'vit_pytorch.PiT'; vitscope reads vit-pytorch's ViT, PiT, T2TViT, CvT; did you mean PiT?"
            ]
        ),
        (
            "CvT(1000)",
            [
                "call (line 1, column 5): positional argument 1000: vit-pytorch's CvT takes keyword arguments only; write it as name=value, e.g. num_classes=1000"
            ]
        ),
        (
            "CvT(num_classes=10, s1_emb_dimm=32)",
            ["s1_emb_dimm (line 1, column 21): unknown argument: vit-pytorch's CvT has no argument 's1_emb_dimm'; did you mean s1_emb_dim?"]
        ),
        ("CvT(num_classes=10, num_classes=5)", ["num_classes (line 1, column 21): given more than once; keep one num_classes"]),
        ("CvT()", ["num_classes (line 1, column 1): missing required argument; vit-pytorch's CvT requires num_classes"]),
        (
            "CvT(num_classes=10.0, s2_depth=0, dropout=1.5, channels=True)",
            [
                "num_classes (line 1, column 17): expected an integer, found 10.0",
                "s2_depth (line 1, column 32): must be at least 1, found 0",
                "dropout (line 1, column 43): must be between 0 and 1 (nn.Dropout rejects other probabilities at construction), found 1.5",
                "channels (line 1, column 57): expected an integer, found True",
            ]
        ),
        ("CvT(num_classes=-1)", ["num_classes (line 1, column 17): must be at least 0, found -1"]),
        (
            "CvT(num_classes=10, s3_proj_kernel=2)",
            [
                "s3_proj_kernel (line 1, column 36): 2 is even: the query projection (padding 2 // 2 = 1, stride 1) turns an H×W grid into (H+1)×(W+1), "
                    + "which vit-pytorch cannot reshape back to the H×W grid, so the forward pass fails; use an odd kernel such as 1 or 3"
            ]
        ),
        (
            vit + ", pool='max')",
            [
                "pool (line 1, column 102): expected 'cls' or 'mean', found the string 'max'; vit-pytorch's ViT asserts the pool type at construction; did you mean 'mean'?"
            ]
        ),
        (
            "ViT(image_size=250, patch_size=32, num_classes=10, dim=64, depth=1, heads=2)",
            [
                "mlp_dim (line 1, column 1): missing required argument; vit-pytorch's ViT requires image_size, patch_size, num_classes, dim, depth, heads, mlp_dim"
            ]
        ),
        (
            "ViT(image_size=250, patch_size=32, num_classes=10, dim=64, depth=1, heads=2, mlp_dim=64)",
            [
                "image_size (line 1, column 16): vit-pytorch's ViT asserts at construction that the image divides into whole patches: height 250 is not a multiple of 32 "
                    + "and width 250 is not a multiple of 32; use an image height that is a multiple of 32 such as 224 or 256 and width that is a multiple of 32 "
                    + "such as 224 or 256, or a patch_size that divides the image"
            ]
        ),
        (
            "ViT(image_size=(224, 224, 3), patch_size=16, num_classes=10, dim=64, depth=1, heads=2, mlp_dim=64)",
            [
                "image_size (line 1, column 16): expected an integer or a pair (height, width), found a tuple (224, 224, 3)"
            ]
        ),
        (
            pit + ", depth=[3, 3, 3])",
            [
                "depth (line 1, column 93): must be a tuple of blocks per stage, found a list [3, 3, 3]; "
                    + "vit-pytorch's PiT asserts isinstance(depth, tuple) at construction; write a tuple such as (3, 3, 3)"
            ]
        ),
        (
            "PiT(image_size=(224, 224), patch_size=14, dim=256, num_classes=10, depth=(1,), heads=[4], mlp_dim=64)",
            [
                "image_size (line 1, column 16): expected an integer, found a tuple (224, 224); vit-pytorch's PiT takes one int (the image is square)",
                "heads (line 1, column 86): expected an integer or a tuple of integers (one per stage), found a list [4]; vit-pytorch only spreads tuples "
                    + "over the stages and fails at construction on a list; write it as a tuple, e.g. (4,)",
            ]
        ),
        (
            "PiT(image_size=230, patch_size=14, dim=256, num_classes=10, depth=(1, 1), heads=(2, 4, 8), mlp_dim=64)",
            [
                "image_size (line 1, column 16): vit-pytorch's PiT asserts at construction that image_size % patch_size == 0: 230 % 14 = 6; "
                    + "use an image_size that is a multiple of 14 such as 224 or 238, or a patch_size that divides 230",
                "heads (line 1, column 81): has 3 entries but depth has 2; vit-pytorch's PiT pairs them with zip, so the last 1 heads entries would be "
                    + "ignored; give one heads entry per depth entry, or one int for every stage",
            ]
        ),
        (
            "PiT(image_size=224, patch_size=1, dim=256, num_classes=10, depth=(1, 1, 1), heads=(2, 4), mlp_dim=64)",
            [
                "patch_size (line 1, column 32): patch_size 1 makes the unfold stride patch_size // 2 = 0, and vit-pytorch's PiT divides by it at construction "
                    + "(ZeroDivisionError); use a patch_size of at least 2",
                "heads (line 1, column 83): has 2 entries but depth has 3; vit-pytorch's PiT pairs them with zip, so it would build only 2 transformer stages, "
                    + "followed by a pooling layer that nothing uses; give one heads entry per depth entry, or one int for every stage",
            ]
        ),
        (
            "PiT(image_size=224, patch_size=14, dim=256, num_classes=10, depth=(1, 1, 1), heads=(16,), mlp_dim=64)",
            [
                "heads (line 1, column 84): has 1 entry but depth has 3; vit-pytorch's PiT pairs them with zip, so it would build only 1 transformer "
                    + "stage, followed by a pooling layer that nothing uses; give one heads entry per depth entry, or one int for every stage"
            ]
        ),
        (
            t2t + ", heads=8)",
            [
                "depth (line 1, column 1): depth, mlp_dim not given; vit-pytorch's T2TViT asserts at construction that depth, heads and mlp_dim "
                    + "are supplied; give depth, heads and mlp_dim"
            ]
        ),
        (
            t2t + ", depth=1, heads=8, mlp_dim=64, transformer=None, t2t_layers=())",
            [
                "t2t_layers (line 1, column 110): is empty, so vit-pytorch's T2TViT applies its Linear(channels, dim) to the image itself, which fails in the "
                    + "forward pass; give at least one (kernel_size, stride) pair, e.g. ((7, 4), (3, 2), (3, 2))"
            ]
        ),
        (
            "T2TViT(dim=64, image_size=16, num_classes=10, depth=1, heads=1, mlp_dim=64, t2t_layers=((7, 4), (3, 2), (5, 2)))",
            [
                "t2t_layers (line 1, column 88): soft split 3 (kernel 5, stride 2, padding 1) leaves no tokens of the 2×2 grid at image size 16, "
                    + "so nn.Unfold fails in the forward pass; use an image_size of at least 19"
            ]
        ),
        (
            t2t + ", depth=1, heads=8, mlp_dim=64, t2t_layers=((7, 4), 3))",
            [
                "t2t_layers[1] (line 1, column 101): expected a pair (kernel_size, stride), found 3"
            ]
        ),
        (
            t2t + ", depth=1, heads=8, mlp_dim=64, t2t_layers=((65, 1), (65, 1), (65, 1)))",
            [
                "t2t_layers (line 1, column 92): unfolds tokens to more than 16777216 features (channels × the squares of the kernel sizes); "
                    + "use smaller kernels or fewer layers"
            ]
        ),
    ])
    func problemsInCalls(_ call: String, _ expected: [String]) {
        #expect(Self.problems(call) == expected)
    }

    /// An override can make a valid call invalid; analysis then says what vit-pytorch would do.
    @Test func overridesAreCheckedLikeTheCall() throws {
        let pit = try VitPytorch.spec(call: Self.pit + ", depth=(3, 3, 3))")
        #expect(
            throws: SpecError([
                Problem(
                    field: "image_size", message: "must be square: vit-pytorch's PiT takes image_size as one int, found 224×256",
                    fix: "use a single size such as 224 or 256")
            ])
        ) {
            try pit.analyze(Overrides(imageSize: ImageSize(height: 224, width: 256)))
        }
        #expect(
            throws: SpecError([
                Problem(
                    field: "image_size",
                    message: "vit-pytorch's PiT asserts at construction that image_size % patch_size == 0: 200 % 14 = 4",
                    fix: "use an image_size that is a multiple of 14 such as 196 or 210, or a patch_size that divides 200")
            ])
        ) {
            try pit.analyze(Overrides(imageSize: ImageSize(200)))
        }
        #expect(try pit.analyze(Overrides(imageSize: ImageSize(196))).summary.stages.compactMap(\.grid).first == [27, 27])
    }
}
