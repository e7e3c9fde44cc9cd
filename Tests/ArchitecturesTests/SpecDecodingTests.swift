import CPUBackend
import TestSupport
import Testing

@testable import Architectures

/// Spec files: valid specs of every family, canonical encoding and round trips.
@Suite("SpecDecoding")
struct SpecDecodingTests {
    /// The problem descriptions `json` decodes to; empty when it decodes.
    static func problems(_ json: String) -> [String] {
        do {
            _ = try SpecDecoder.decode(json)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    static let vitJSON = #"""
        {
          "name": "deit_tiny_distilled_patch16_224",
          "family": "vit",
          "reference": "timm vision_transformer.py",
          "image_size": 224,
          "config": {
            "patch_size": 16,
            "embed_dim": 192,
            "depth": 12,
            "num_heads": 3,
            "distilled": true,
            "norm_eps": 1e-6
          },
          "published": {"params_m": 5.9, "gmacs": 1.3, "source": "DeiT, Table 1"},
          "notes": ["has a \"dist\" token", "caf\u00e9 \ud83d\ude00 \/ \\ \b\f\n\r\t"]
        }
        """#
    static let vitSpec = ModelSpec(
        name: "deit_tiny_distilled_patch16_224", reference: "timm vision_transformer.py", imageSize: ImageSize(224),
        config: .vit(ViTConfig(patchSize: 16, embedDim: 192, depth: 12, numHeads: 3, distilled: true)),
        published: Published(paramsM: 5.9, gmacs: 1.3, source: "DeiT, Table 1"),
        notes: ["has a \"dist\" token", "café 😀 / \\ \u{08}\u{0C}\n\r\t"])

    static let pitJSON = """
        {
          "name": "pit_s_224",
          "family": "pit",
          "image_size": [224, 224],
          "in_channels": 3,
          "num_classes": 1000,
          "config": {
            "patch_size": 16,
            "stride": 8,
            "base_dims": [48, 48, 48],
            "depth": [2, 6, 4],
            "heads": [3, 6, 12],
            "mlp_ratio": 4.0,
            "distilled": false
          }
        }
        """
    static let pitSpec = ModelSpec(
        name: "pit_s_224", reference: "", imageSize: ImageSize(224),
        config: .pit(PiTConfig(patchSize: 16, stride: 8, baseDims: [48, 48, 48], depth: [2, 6, 4], heads: [3, 6, 12])))

    static let t2tJSON = """
        {
          "name": "t2t_vit_14",
          "family": "t2t_vit",
          "reference": "yitu-opensource/T2T-ViT models/t2t_vit.py",
          "image_size": 224,
          "config": {
            "tokens_type": "performer",
            "embed_dim": 384,
            "depth": 14,
            "num_heads": 6,
            "mlp_ratio": 3
          },
          "published": {"params_m": 21.5, "gmacs": 4.8, "source": "T2T-ViT, Table 2"}
        }
        """
    static let t2tSpec = ModelSpec(
        name: "t2t_vit_14", reference: "yitu-opensource/T2T-ViT models/t2t_vit.py", imageSize: ImageSize(224),
        config: .t2tViT(T2TViTConfig(tokensType: .performer, embedDim: 384, depth: 14, numHeads: 6, mlpRatio: 3)),
        published: Published(paramsM: 21.5, gmacs: 4.8, source: "T2T-ViT, Table 2"))

    static let cvtJSON = """
        {
          "name": "cvt_13",
          "family": "cvt",
          "image_size": 224,
          "num_classes": 0,
          "config": {
            "stages": [
              {"patch_size": 7, "patch_stride": 4, "patch_padding": 2, "dim_embed": 64, "num_heads": 1, "depth": 1},
              {"patch_size": 3, "patch_stride": 2, "patch_padding": 1, "dim_embed": 192, "num_heads": 3, "depth": 2,
               "stride_kv": 1, "padding_q": 0, "qkv_bias": false, "mlp_ratio": 2.5},
              {"patch_size": 3, "patch_stride": 2, "patch_padding": 1, "dim_embed": 384, "num_heads": 6, "depth": 10,
               "cls_token": true, "kernel_qkv": 5, "padding_kv": 2, "stride_q": 2}
            ]
          }
        }
        """
    static let cvtSpec = ModelSpec(
        name: "cvt_13", reference: "", imageSize: ImageSize(224), numClasses: 0,
        config: .cvt(
            CvTConfig(stages: [
                CvTStage(patchSize: 7, patchStride: 4, patchPadding: 2, dimEmbed: 64, numHeads: 1, depth: 1),
                CvTStage(
                    patchSize: 3, patchStride: 2, patchPadding: 1, dimEmbed: 192, numHeads: 3, depth: 2,
                    mlpRatio: 2.5, qkvBias: false, paddingQ: 0, strideKV: 1),
                CvTStage(
                    patchSize: 3, patchStride: 2, patchPadding: 1, dimEmbed: 384, numHeads: 6, depth: 10,
                    clsToken: true, kernelQKV: 5, paddingKV: 2, strideQ: 2),
            ])))

    static let resnetJSON = """
        {
          "name": "resnet50_gray",
          "family": "resnet",
          "reference": "torchvision resnet.py",
          "image_size": [192, 256],
          "in_channels": 1,
          "num_classes": 10,
          "config": {"layers": [3, 4, 6, 3], "channels": [32, 64, 128, 256]},
          "notes": []
        }
        """
    static let resnetSpec = ModelSpec(
        name: "resnet50_gray", reference: "torchvision resnet.py", imageSize: ImageSize(height: 192, width: 256),
        inChannels: 1, numClasses: 10, config: .resnet(ResNetConfig(layers: [3, 4, 6, 3], channels: [32, 64, 128, 256])))

    static let swinJSON = """
        {
          "name": "swin_window8_256",
          "family": "swin",
          "reference": "timm swin_transformer.py",
          "image_size": 256,
          "config": {"patch_size": 4, "embed_dim": 96, "depths": [2, 2, 6, 2], "num_heads": [3, 6, 12, 24],
                     "window_size": [8, 8, 8, 4], "mlp_ratio": 3, "qkv_bias": false, "head_dim": 32}
        }
        """
    static let swinSpec = ModelSpec(
        name: "swin_window8_256", reference: "timm swin_transformer.py", imageSize: ImageSize(256),
        config: .swin(
            SwinConfig(
                embedDim: 96, depths: [2, 2, 6, 2], numHeads: [3, 6, 12, 24], windowSize: [8, 8, 8, 4], mlpRatio: 3,
                qkvBias: false, headDim: 32)))

    static let valid: [Family: (json: String, spec: ModelSpec)] = [
        .vit: (vitJSON, vitSpec), .pit: (pitJSON, pitSpec), .t2tViT: (t2tJSON, t2tSpec),
        .cvt: (cvtJSON, cvtSpec), .resnet: (resnetJSON, resnetSpec), .swin: (swinJSON, swinSpec),
        .vitPytorch: (vitPytorchJSON, vitPytorchSpec),
    ]

    @Test(arguments: Family.allCases)
    func decodesValidSpec(family: Family) throws {
        let fixture = try #require(Self.valid[family])
        #expect(try SpecDecoder.decode(fixture.json) == fixture.spec)
        #expect(try SpecDecoder.decode(data: Array(fixture.json.utf8)) == fixture.spec)
    }

    @Test(arguments: Family.allCases)
    func roundTrips(family: Family) throws {
        let spec = try #require(Self.valid[family]).spec
        let text = SpecEncoder.encode(spec)
        #expect(try SpecDecoder.decode(text) == spec)
        #expect(SpecEncoder.encode(try SpecDecoder.decode(text)) == text)
    }

    /// timm's ViT options survive a spec file, and only options that differ from the default are written.
    @Test(arguments: 0..<24)
    func roundTripsViTOptions(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        var spec = Self.vitSpec
        var config = ViTConfig(patchSize: 16, embedDim: 192, depth: 1, numHeads: 3)
        config.options = RandomSpecs.vitOptions(&random)
        spec.config = .vit(config)
        let text = SpecEncoder.encode(spec)
        #expect(try SpecDecoder.decode(text) == spec)
        #expect(SpecEncoder.encode(try SpecDecoder.decode(text)) == text)
        #expect(text.contains("\"qk_norm\"") == config.options.qkNorm)
    }

    @Test(arguments: [0.1, 1e-6, 1e-300, .leastNonzeroMagnitude, 1024, 1023.999, 2.0 / 3.0, 0.30000000000000004])
    func roundTripsDoubles(ratio: Double) throws {
        var spec = Self.vitSpec
        spec.config = .vit(
            ViTConfig(
                patchSize: 16, embedDim: 192, depth: 12, numHeads: 3, mlpRatio: ratio,
                normEps: ratio))
        spec.published = Published(paramsM: ratio, gmacs: ratio, source: "")
        #expect(try SpecDecoder.decode(SpecEncoder.encode(spec)) == spec)
    }

    @Test func roundTripsAwkwardStrings() throws {
        var spec = Self.cvtSpec
        spec.name = "quote \" backslash \\ slash / nul \u{0} bell \u{07} del \u{7F} é 😀 \u{2028}"
        spec.reference = "\t\n\r"
        spec.notes = ["", "line one\nline two"]
        #expect(try SpecDecoder.decode(SpecEncoder.encode(spec)) == spec)
        #expect(SpecEncoder.encode(spec).contains(#""reference": "\t\n\r","#))
        #expect(SpecEncoder.encode(spec).contains(#"nul \u0000 bell \u0007 del \#u{7F} é 😀"#))
    }

    @Test func encodesCanonicalText() {
        #expect(
            SpecEncoder.encode(Self.resnetSpec) == """
                {
                  "name": "resnet50_gray",
                  "family": "resnet",
                  "reference": "torchvision resnet.py",
                  "image_size": [192, 256],
                  "in_channels": 1,
                  "num_classes": 10,
                  "config": {
                    "layers": [3, 4, 6, 3],
                    "channels": [32, 64, 128, 256]
                  }
                }

                """)
        #expect(
            SpecEncoder.encode(Self.vitSpec) == #"""
                {
                  "name": "deit_tiny_distilled_patch16_224",
                  "family": "vit",
                  "reference": "timm vision_transformer.py",
                  "image_size": [224, 224],
                  "in_channels": 3,
                  "num_classes": 1000,
                  "config": {
                    "patch_size": 16,
                    "embed_dim": 192,
                    "depth": 12,
                    "num_heads": 3,
                    "mlp_ratio": 4.0,
                    "qkv_bias": true,
                    "distilled": true,
                    "norm_eps": 1e-06
                  },
                  "published": {
                    "params_m": 5.9,
                    "gmacs": 1.3,
                    "source": "DeiT, Table 1"
                  },
                  "notes": [
                    "has a \"dist\" token",
                    "café 😀 / \\ \b\f\n\r\t"
                  ]
                }

                """#)
    }

    @Test func encodesCvTStagesAsObjects() {
        let spec = ModelSpec(
            name: "one", reference: "", imageSize: ImageSize(64),
            config: .cvt(
                CvTConfig(stages: [
                    CvTStage(patchSize: 7, patchStride: 4, patchPadding: 2, dimEmbed: 64, numHeads: 1, depth: 1)
                ])))
        #expect(
            SpecEncoder.encode(spec).contains(
                """
                  "config": {
                    "stages": [
                      {
                        "patch_size": 7,
                        "patch_stride": 4,
                        "patch_padding": 2,
                        "dim_embed": 64,
                        "num_heads": 1,
                        "depth": 1,
                        "mlp_ratio": 4.0,
                        "qkv_bias": true,
                        "cls_token": false,
                        "kernel_qkv": 3,
                        "padding_q": 1,
                        "padding_kv": 1,
                        "stride_q": 1,
                        "stride_kv": 2
                      }
                    ]
                  }
                }
                """))
    }
}
