import Testing

@testable import Architectures

/// `vit_pytorch` spec files: `class` plus the class's keyword arguments, read like a call.
extension SpecDecodingTests {
    static let vitPytorchJSON = """
        {
          "name": "pit_per_stage_heads",
          "family": "vit_pytorch",
          "image_size": 224,
          "in_channels": 1,
          "num_classes": 10,
          "config": {
            "class": "PiT",
            "patch_size": 16,
            "dim": 128,
            "depth": [1, 2, 1],
            "heads": [2, 4, 8],
            "mlp_dim": 512,
            "dim_head": 32,
            "dropout": 0.1
          }
        }
        """
    static let vitPytorchSpec = ModelSpec(
        name: "pit_per_stage_heads", reference: "", imageSize: ImageSize(224), inChannels: 1, numClasses: 10,
        config: .vitPytorch(
            .pit(
                VitPytorchPiT(
                    patchSize: 16, dim: 128, depth: [1, 2, 1], heads: [2, 4, 8], mlpDim: 512,
                    dimHead: 32, dropout: 0.1))))

    /// A vit_pytorch spec whose `config` members are `config`, on line 7 from column 5.
    static func vitPytorch(image: String = "256", config: String) -> String {
        """
        {
          "name": "v",
          "family": "vit_pytorch",
          "image_size": \(image),
          "num_classes": 1000,
          "config": {
            \(config)
          }
        }
        """
    }

    static let vitArguments = #""class": "ViT", "patch_size": 32, "dim": 1024, "depth": 6, "heads": 16, "mlp_dim": 2048"#

    @Test func vitPytorchSpecMatchesTheCall() throws {
        let spec = try SpecDecoder.decode(Self.vitPytorch(config: Self.vitArguments))
        let call = try VitPytorch.spec(
            call: "ViT(image_size=256, patch_size=32, num_classes=1000, dim=1024, depth=6, heads=16, mlp_dim=2048)")
        #expect(spec.config == call.config)
        #expect(spec.imageSize == call.imageSize && spec.inChannels == call.inChannels && spec.numClasses == call.numClasses)
        #expect(try spec.analyze().summary.totals == call.analyze().summary.totals)
    }

    @Test(arguments: [
        (
            #""class": "Vit", "dim": 8"#,
            [#"config.class (line 7, column 14): expected one of ViT, PiT, T2TViT, CvT, found the string "Vit"; did you mean "ViT"?"#]
        ),
        (#""dim": 8"#, [#"config.class (line 6, column 13): missing required key "class"; one of ViT, PiT, T2TViT, CvT"#]),
        (
            vitArguments + #", "dimhead": 32"#,
            ["config.dimhead (line 7, column 94): unknown argument: vit-pytorch's ViT has no argument 'dimhead'; did you mean dim_head?"]
        ),
        (
            vitArguments + #", "image_size": 224"#,
            [#"config.image_size (line 7, column 94): belongs at the top level of a spec file; give it as "image_size" next to "config""#]
        ),
        (
            vitArguments + #", "pool": "max""#,
            [
                #"config.pool (line 7, column 102): expected "cls" or "mean", found the string "max"; vit-pytorch's ViT asserts the pool type at construction; did you mean "mean"?"#
            ]
        ),
        (
            vitArguments.replacing(#""patch_size": 32"#, with: #""patch_size": [32, 30]"#),
            [
                "image_size (line 4, column 17): vit-pytorch's ViT asserts at construction that the image divides into whole patches: "
                    + "width 256 is not a multiple of 30; use an image width that is a multiple of 30 such as 240 or 270, or a patch_size that divides the image"
            ]
        ),
        (
            #""class": "PiT", "patch_size": 16, "dim": 64, "depth": 3, "heads": 2, "mlp_dim": 64"#,
            [
                "config.depth (line 7, column 59): must be a tuple of blocks per stage, found 3; vit-pytorch's PiT asserts "
                    + "isinstance(depth, tuple) at construction; write an array such as [3, 3, 3]"
            ]
        ),
        (
            #""class": "T2TViT", "dim": 64, "depth": 1, "heads": 1, "mlp_dim": 64, "t2t_layers": [[7, 4], [3]]"#,
            ["config.t2t_layers[1] (line 7, column 97): expected a pair (kernel_size, stride), found an array"]
        ),
        (
            #""class": "CvT", "s2_proj_kernel": 4"#,
            [
                "config.s2_proj_kernel (line 7, column 39): 4 is even: the query projection (padding 4 // 2 = 2, stride 1) turns an H×W grid into "
                    + "(H+1)×(W+1), which vit-pytorch cannot reshape back to the H×W grid, so the forward pass fails; use an odd kernel such as 3 or 5"
            ]
        ),
    ])
    func vitPytorchProblems(_ config: String, _ expected: [String]) {
        #expect(Self.problems(Self.vitPytorch(config: config)) == expected)
    }

    /// Every measured call written as a spec file reads back to the same spec.
    @Test(arguments: VitPytorchGraphTests.calls)
    func vitPytorchCallsRoundTrip(_ call: String) throws {
        let spec = try VitPytorch.spec(call: call)
        let text = SpecEncoder.encode(spec)
        #expect(try SpecDecoder.decode(text) == spec)
        #expect(SpecEncoder.encode(try SpecDecoder.decode(text)) == text)
    }

    @Test func vitPytorchImageMustBeSquareForPiT() {
        let config = #""class": "PiT", "patch_size": 16, "dim": 64, "depth": [1], "heads": 2, "mlp_dim": 64"#
        #expect(
            Self.problems(Self.vitPytorch(image: "[224, 256]", config: config)) == [
                "image_size (line 4, column 17): must be square: vit-pytorch's PiT takes image_size as one int, found 224×256; "
                    + "use a single size such as 224 or 256"
            ])
    }
}
