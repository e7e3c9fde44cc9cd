import Testing

@testable import Architectures

/// Constraints between fields, each reported with the values involved and a fix.
extension SpecDecodingTests {
    static func pit(image: String = "224", baseDims: String = "[48, 48, 48]", heads: String = "[3, 6, 12]") -> String {
        """
        {
          "name": "p",
          "family": "pit",
          "image_size": \(image),
          "config": {
            "patch_size": 16,
            "stride": 8,
            "base_dims": \(baseDims),
            "depth": [2, 6, 4],
            "heads": \(heads)
          }
        }
        """
    }

    /// A T2T-ViT spec; `config` members are added from line 11 on (key at column 5).
    static func t2t(
        image: String = "224", tokens: String = #""performer""#, embedDim: String = "384",
        config: String = ""
    ) -> String {
        """
        {
          "name": "t",
          "family": "t2t_vit",
          "image_size": \(image),
          "config": {
            "tokens_type": \(tokens),
            "embed_dim": \(embedDim),
            "depth": 14,
            "num_heads": 6,
            "mlp_ratio": 3\(config.isEmpty ? "" : ",\n    " + config)
          }
        }
        """
    }

    @Test(arguments: [
        (
            "100",
            "embed_dim 100 is not divisible by num_heads 3; set embed_dim to a multiple of 3 such as 99 or 102, "
                + "or num_heads to a divisor of 100 such as 2 or 4"
        ),
        (
            "2",
            "embed_dim 2 is not divisible by num_heads 3; set embed_dim to a multiple of 3 such as 3, "
                + "or num_heads to a divisor of 2 such as 2"
        ),
        (
            "7",
            "embed_dim 7 is not divisible by num_heads 3; set embed_dim to a multiple of 3 such as 6 or 9, "
                + "or num_heads to a divisor of 7 such as 1 or 7"
        ),
        (
            "65534",
            "embed_dim 65534 is not divisible by num_heads 3; set embed_dim to "
                + "a multiple of 3 such as 65532 or 65535, or num_heads to a divisor of 65534 such as 2 or 7"
        ),
    ])
    func vitEmbedDimMustDivideByHeads(embedDim: String, problem: String) {
        #expect(Self.problems(Self.vit(embedDim: embedDim)) == ["config.embed_dim (line 7, column 18): " + problem])
    }

    @Test(arguments: [
        ("[8, 32]", "image height 8 is smaller than patch_size 16; use an image of at least 16×16 or a patch_size of at most 8"),
        ("[32, 15]", "image width 15 is smaller than patch_size 16; use an image of at least 16×16 or a patch_size of at most 15"),
        (
            "12",
            "image height 12 and width 12 are smaller than patch_size 16; use an image of at least 16×16 "
                + "or a patch_size of at most 12"
        ),
    ])
    func vitImageMustCoverAPatch(image: String, problem: String) {
        #expect(Self.problems(Self.vit(image: image)) == ["image_size (line 4, column 17): " + problem])
    }

    @Test func pitStageArraysMustMatch() {
        #expect(Self.problems(Self.pit()) == [])
        #expect(
            Self.problems(Self.pit(heads: "[3, 6]")) == [
                "config (line 5, column 13): base_dims, depth and heads must have the same length (one entry per stage), "
                    + "found lengths 3, 3 and 2; make the three arrays the same length"
            ])
        #expect(Self.problems(Self.pit(heads: "[]")) == ["config.heads (line 10, column 14): must not be empty"])
        #expect(
            Self.problems(Self.pit(baseDims: #"[48, 0, "x"]"#)) == [
                "config.base_dims[1] (line 8, column 23): must be at least 1, found 0",
                #"config.base_dims[2] (line 8, column 26): expected an integer, found the string "x""#,
            ])
        #expect(
            Self.problems(Self.pit(heads: "3"))
                == ["config.heads (line 10, column 14): expected an array of integers, found 3"])
    }

    @Test func pitImageMustCoverAPatch() {
        #expect(
            Self.problems(Self.pit(image: "8")) == [
                "image_size (line 4, column 17): image height 8 and width 8 are smaller than patch_size 16; "
                    + "use an image of at least 16×16 or a patch_size of at most 8"
            ])
    }

    @Test func t2tChecks() {
        #expect(Self.problems(Self.t2t()) == [])
        #expect(
            Self.problems(Self.t2t(embedDim: "380")) == [
                "config.embed_dim (line 7, column 18): embed_dim 380 is not divisible by num_heads 6; set embed_dim to "
                    + "a multiple of 6 such as 378 or 384, or num_heads to a divisor of 380 such as 5 or 10"
            ])
        #expect(
            Self.problems(Self.t2t(image: "[224, 256]")) == [
                "image_size (line 4, column 17): must be square for t2t_vit (the reference reshapes tokens to a square "
                    + "grid), found 224×256; use a single size such as 224 or 256"
            ])
        #expect(
            Self.problems(Self.t2t(tokens: #""performr""#)) == [
                #"config.tokens_type (line 6, column 20): expected one of performer, transformer, found "performr"; "#
                    + #"did you mean "performer"?"#
            ])
    }

    @Test func t2tNeedsAtLeastOnePerformerFeature() {
        #expect(
            Self.problems(Self.t2t(config: "\"token_dim\": 64,\n    \"kernel_ratio\": 0.01")) == [
                "config.kernel_ratio (line 12, column 21): token_dim 64 × kernel_ratio 0.01 gives 0 Performer features, "
                    + "need at least 1; raise kernel_ratio to at least 0.015625 (1 / token_dim)"
            ])
        #expect(
            Self.problems(Self.t2t(config: #""token_dim": 1"#)) == [
                "config.kernel_ratio (line 5, column 13): token_dim 1 × kernel_ratio 0.5 gives 0 Performer features, "
                    + "need at least 1; raise kernel_ratio to at least 1.0 (1 / token_dim)"
            ])
        // Transformer T2T layers have no random features.
        #expect(Self.problems(Self.t2t(tokens: #""transformer""#, config: #""kernel_ratio": 0.01"#)) == [])
    }

    @Test func cvtStageChecks() {
        let json = """
            {
              "name": "c",
              "family": "cvt",
              "image_size": 224,
              "config": {
                "stages": [
                  {"patch_size": 7, "patch_stride": 4, "patch_padding": 2, "dim_embed": 64, "num_heads": 3, "depth": 1, "cls_token": true},
                  {"patch_size": 3, "patch_stride": 2, "patch_padding": -1, "dim_embed": 192, "num_heads": 3, "depth": 2, "cls_token": true}
                ]
              }
            }
            """
        #expect(
            Self.problems(json) == [
                "config.stages[0].dim_embed (line 7, column 77): dim_embed 64 is not divisible by num_heads 3; set "
                    + "dim_embed to a multiple of 3 such as 63 or 66, or num_heads to a divisor of 64 such as 2 or 4",
                "config.stages[0].cls_token (line 7, column 122): cls_token is true on a stage that is not the last "
                    + "(of 2 stages), but the reference only reads the last stage's class token; "
                    + "set cls_token only on the last stage",
                "config.stages[1].patch_padding (line 8, column 61): must be at least 0, found -1",
            ])
    }

    @Test func cvtStagesShape() {
        let prefix = #"{"name": "c", "family": "cvt", "image_size": 224, "config": "#
        // The config object starts at column 61.
        #expect(Self.problems(prefix + #"{"stages": []}}"#) == ["config.stages (line 1, column 72): must not be empty"])
        #expect(
            Self.problems(prefix + #"{"stages": [3]}}"#)
                == ["config.stages[0] (line 1, column 73): expected an object, found 3"])
        #expect(Self.problems(prefix + #"{}}"#) == [#"config.stages (line 1, column 61): missing required key "stages""#])
        #expect(
            Self.problems(prefix + #"{"stages": [{"patch_size": 7, "kernel_qvk": 3}]}}"#) == [
                #"config.stages[0].patch_stride (line 1, column 73): missing required key "patch_stride""#,
                #"config.stages[0].patch_padding (line 1, column 73): missing required key "patch_padding""#,
                #"config.stages[0].dim_embed (line 1, column 73): missing required key "dim_embed""#,
                #"config.stages[0].num_heads (line 1, column 73): missing required key "num_heads""#,
                #"config.stages[0].depth (line 1, column 73): missing required key "depth""#,
                #"config.stages[0].kernel_qvk (line 1, column 91): unknown key; did you mean "kernel_qkv"?"#,
            ])
    }

    @Test func resnetChecks() {
        let prefix = #"{"name": "r", "family": "resnet", "image_size": 224, "config": "#
        #expect(
            Self.problems(prefix + #"{"layers": [3, 0], "channels": [64, 0]}}"#) == [
                "config.layers[1] (line 1, column 79): must be at least 1, found 0",
                "config.channels[1] (line 1, column 100): must be at least 1, found 0",
            ])
        #expect(Self.problems(prefix + #"{"layers": []}}"#) == ["config.layers (line 1, column 75): must not be empty"])
        #expect(
            Self.problems(prefix + #"{"channels": [32]}}"#)
                == [#"config.layers (line 1, column 64): missing required key "layers""#])
        // timm's plain stem is always 64 channels; its stem_width only sizes "deep" stems.
        #expect(
            Self.problems(prefix + #"{"layers": [1], "stem_width": 32}}"#)
                == [#"config.stem_width (line 1, column 80): unknown key; valid keys are layers, channels"#])
    }
}

extension SpecDecodingTests {
    static func resnet(channels: String) -> String {
        """
        {
          "name": "r",
          "family": "resnet",
          "image_size": 64,
          "config": {"layers": [1, 1], "channels": \(channels)}
        }
        """
    }

    @Test func resnetTakesOneBottleneckWidthPerStage() throws {
        #expect(
            try SpecDecoder.decode(Self.resnet(channels: "[8, 16]")).config == .resnet(ResNetConfig(layers: [1, 1], channels: [8, 16])))
        #expect(
            Self.problems(Self.resnet(channels: "[8, 16, 32]")) == [
                "config.channels (line 5, column 44): has 3 entries but layers has 2; the reference pairs them stage by stage; "
                    + "give one bottleneck width per stage"
            ])
        #expect(Self.problems(Self.resnet(channels: "[8, 0]")) == ["config.channels[1] (line 5, column 48): must be at least 1, found 0"])
    }

    @Test func resnetChannelsDefaultToTimms() {
        #expect(ResNetConfig(layers: [3, 4, 6, 3]).channels == [64, 128, 256, 512])
    }
}

extension SpecDecodingTests {
    @Test func pitStageWidthsMustDivideForThePoolingConv() {
        let fix = "make each stage's base_dims × heads a multiple of the previous stage's"
        #expect(
            Self.problems(Self.pit(baseDims: "[48, 40, 48]")) == [
                "config.base_dims[1] (line 8, column 18): stage 2 is 240 wide (base_dims × heads) but the pooling before it "
                    + "is a depthwise conv grouped by the previous width 144, which must divide it; " + fix,
                "config.base_dims[2] (line 8, column 18): stage 3 is 576 wide (base_dims × heads) but the pooling before it "
                    + "is a depthwise conv grouped by the previous width 240, which must divide it; " + fix,
            ])
    }
}
