import Testing

@testable import Architectures

/// Field-level problems: unknown, missing, mistyped, out of range and duplicated keys.
extension SpecDecodingTests {
    /// A valid ViT spec. `embed_dim`'s value is at line 7, column 18; a `config` member is added
    /// as line 10 (key at column 5) and a top-level member as the line after the config (column 3).
    static func vit(
        family: String = #""vit""#, image: String = "224", embedDim: String = "192",
        config: String = "", top: String = ""
    ) -> String {
        """
        {
          "name": "t",
          "family": \(family),
          "image_size": \(image),
          "config": {
            "patch_size": 16,
            "embed_dim": \(embedDim),
            "depth": 12,
            "num_heads": 3\(config.isEmpty ? "" : ",\n    " + config)
          }\(top.isEmpty ? "" : ",\n  " + top)
        }
        """
    }

    @Test func baseSpecIsValid() {
        #expect(Self.problems(Self.vit()) == [])
    }

    @Test(arguments: [
        (#""abc""#, #"expected an integer, found the string "abc""#),
        ("null", "expected an integer, found null"),
        ("true", "expected an integer, found true"),
        ("4.5", "expected an integer, found 4.5"),
        ("192.0", "expected an integer, found 192.0"),
        ("1e2", "expected an integer, found 1e2"),
        ("[192]", "expected an integer, found an array"),
        ("[]", "expected an integer, found an empty array"),
        ("{}", "expected an integer, found an object"),
        (
            "\"" + String(repeating: "a", count: 50) + "\"",
            "expected an integer, found the string \"" + String(repeating: "a", count: 40) + "…\""
        ),
        ("0", "must be at least 1, found 0"),
        ("-3", "must be at least 1, found -3"),
        ("65537", "must be at most 65536, found 65537"),
        ("99999999999999999999", "must be at most 65536, found 99999999999999999999"),
        ("-99999999999999999999", "must be at least 1, found -99999999999999999999"),
    ])
    func reportsBadInteger(value: String, message: String) {
        #expect(Self.problems(Self.vit(embedDim: value)) == ["config.embed_dim (line 7, column 18): " + message])
    }

    @Test(arguments: [
        ("0", ["image_size (line 4, column 17): must be at least 1, found 0"]),
        ("65537", ["image_size (line 4, column 17): must be at most 65536, found 65537"]),
        ("224.0", ["image_size (line 4, column 17): expected an integer, found 224.0"]),
        ("-99999999999999999999", ["image_size (line 4, column 17): must be at least 1, found -99999999999999999999"]),
        ("[224, 70000]", ["image_size[1] (line 4, column 23): must be at most 65536, found 70000"]),
        ("[224]", ["image_size (line 4, column 17): expected 2 elements [height, width], found 1"]),
        (
            #""224""#,
            [#"image_size (line 4, column 17): expected an integer or an array [height, width], found the string "224""#]
        ),
        (
            #"[0, "w"]"#,
            [
                "image_size[0] (line 4, column 18): must be at least 1, found 0",
                #"image_size[1] (line 4, column 21): expected an integer, found the string "w""#,
            ]
        ),
    ])
    func reportsBadImageSize(image: String, problems: [String]) {
        #expect(Self.problems(Self.vit(image: image)) == problems)
    }

    @Test(arguments: [
        (#""in_channels": 0"#, ["in_channels (line 11, column 18): must be at least 1, found 0"]),
        (#""in_channels": 4097"#, ["in_channels (line 11, column 18): must be at most 4096, found 4097"]),
        (#""num_classes": -1"#, ["num_classes (line 11, column 18): must be at least 0, found -1"]),
        (#""num_classes": 1000001"#, ["num_classes (line 11, column 18): must be at most 1000000, found 1000001"]),
        (#""reference": 3"#, ["reference (line 11, column 16): expected a string, found 3"]),
        (#""notes": "x""#, [#"notes (line 11, column 12): expected an array of strings, found the string "x""#]),
        (#""notes": ["a", 2]"#, ["notes[1] (line 11, column 18): expected a string, found 2"]),
        (#""published": 5"#, ["published (line 11, column 16): expected an object, found 5"]),
        (
            #""published": {"params_m": 0, "gmacs": 1e400, "source": 1}"#,
            [
                "published.params_m (line 11, column 29): must be greater than 0, found 0",
                "published.gmacs (line 11, column 41): must be a finite number, found 1e400",
                "published.source (line 11, column 58): expected a string, found 1",
            ]
        ),
        (
            #""published": {"params_m": 1}"#,
            [
                #"published.gmacs (line 11, column 16): missing required key "gmacs""#,
                #"published.source (line 11, column 16): missing required key "source""#,
            ]
        ),
        (
            #""published": {"params_m": "5", "gmacs": 1, "source": ""}"#,
            [#"published.params_m (line 11, column 29): expected a number, found the string "5""#]
        ),
        (#""nmae": "x""#, [#"nmae (line 11, column 3): unknown key; did you mean "name"?"#]),
    ])
    func reportsBadTopLevelMember(member: String, problems: [String]) {
        #expect(Self.problems(Self.vit(top: member)) == problems)
    }

    @Test(arguments: [
        (#""mlp_ratio": 0"#, "config.mlp_ratio (line 10, column 18): must be greater than 0, found 0"),
        (#""mlp_ratio": -1.5"#, "config.mlp_ratio (line 10, column 18): must be greater than 0, found -1.5"),
        (#""mlp_ratio": 1e999"#, "config.mlp_ratio (line 10, column 18): must be a finite number, found 1e999"),
        (#""mlp_ratio": "4""#, #"config.mlp_ratio (line 10, column 18): expected a number, found the string "4""#),
        (#""norm_eps": 0.0"#, "config.norm_eps (line 10, column 17): must be greater than 0, found 0.0"),
        (
            #""qkv_bias": "yes""#,
            #"config.qkv_bias (line 10, column 17): expected true or false, found the string "yes""#
        ),
        (#""distilled": 1"#, "config.distilled (line 10, column 18): expected true or false, found 1"),
        (#""num_head": 3"#, #"config.num_head (line 10, column 5): unknown key; did you mean "num_heads"?"#),
        (#""Embed_Dim": 3"#, #"config.Embed_Dim (line 10, column 5): unknown key; did you mean "embed_dim"?"#),
        (
            #""colour": 3"#,
            "config.colour (line 10, column 5): unknown key; valid keys are patch_size, embed_dim, "
                + "depth, num_heads, mlp_ratio, qkv_bias, distilled, norm_eps, global_pool, class_token, reg_tokens, "
                + "no_embed_class, pos_embed, pre_norm, final_norm, fc_norm, pool_include_prefix, qk_norm, init_values, "
                + "proj_bias, scale_attn_norm, scale_mlp_norm, act_layer"
        ),
        (
            #""depth": 6"#,
            #"config.depth (line 10, column 5): duplicate key "depth" (first at line 8, column 5); remove one of them"#
        ),
    ])
    func reportsBadConfigMember(member: String, problem: String) {
        #expect(Self.problems(Self.vit(config: member)) == [problem])
    }

    @Test(arguments: [
        (
            #""vitt""#,
            #"family (line 3, column 13): expected one of vit, pit, t2t_vit, cvt, resnet, swin, vit_pytorch, found "vitt"; did you mean "vit"?"#
        ),
        (
            #""ViT""#,
            #"family (line 3, column 13): expected one of vit, pit, t2t_vit, cvt, resnet, swin, vit_pytorch, found "ViT"; did you mean "vit"?"#
        ),
        (
            #""t2t-vit""#,
            #"family (line 3, column 13): expected one of vit, pit, t2t_vit, cvt, resnet, swin, vit_pytorch, found "t2t-vit"; did you mean "t2t_vit"?"#
        ),
        (
            #""convnext""#,
            #"family (line 3, column 13): expected one of vit, pit, t2t_vit, cvt, resnet, swin, vit_pytorch, found "convnext""#
        ),
        ("3", "family (line 3, column 13): expected a string, found 3"),
    ])
    func reportsBadFamily(family: String, problem: String) {
        #expect(Self.problems(Self.vit(family: family)) == [problem])
    }

    @Test func reportsMissingKeysAtTheEnclosingObject() {
        #expect(
            Self.problems(#"{"family": "vit", "image_size": 224, "config": {"patch_size": 16, "depth": 12, "num_heads": 3}}"#)
                == [
                    #"name (line 1, column 1): missing required key "name""#,
                    #"config.embed_dim (line 1, column 48): missing required key "embed_dim""#,
                ])
        #expect(
            Self.problems(#"{"name": "x", "image_size": 1}"#)
                == [
                    #"family (line 1, column 1): missing required key "family""#,
                    #"config (line 1, column 1): missing required key "config""#,
                ])
        #expect(
            Self.problems(#"{"name": "x", "family": "vit", "config": 3}"#)
                == [
                    #"image_size (line 1, column 1): missing required key "image_size""#,
                    "config (line 1, column 42): expected an object, found 3",
                ])
        #expect(Self.problems("[1]") == ["spec (line 1, column 1): expected an object, found an array"])
        #expect(
            Self.problems(#"{"name": ""}"#)
                == [
                    #"family (line 1, column 1): missing required key "family""#,
                    #"image_size (line 1, column 1): missing required key "image_size""#,
                    #"config (line 1, column 1): missing required key "config""#,
                    "name (line 1, column 10): must not be empty",
                ])
    }

    @Test func reportsEveryProblemInDocumentOrder() {
        let json = """
            {
              "name": "",
              "family": "vit",
              "image_size": [224, 0],
              "config": {
                "patch_size": 16,
                "embed_dim": 100,
                "depht": 12,
                "num_heads": 3,
                "mlp_ratio": "4"
              },
              "notes": [1]
            }
            """
        #expect(
            Self.problems(json) == [
                "name (line 2, column 11): must not be empty",
                "image_size[1] (line 4, column 23): must be at least 1, found 0",
                #"config.depth (line 5, column 13): missing required key "depth""#,
                "config.embed_dim (line 7, column 18): embed_dim 100 is not divisible by num_heads 3; set embed_dim to "
                    + "a multiple of 3 such as 99 or 102, or num_heads to a divisor of 100 such as 2 or 4",
                #"config.depht (line 8, column 5): unknown key; did you mean "depth"?"#,
                #"config.mlp_ratio (line 10, column 18): expected a number, found the string "4""#,
                "notes[0] (line 12, column 13): expected a string, found 1",
            ])
    }

    @Test func reportsProblemFieldsAndPositions() {
        #expect(
            throws: SpecError([
                Problem(
                    field: "config.num_head", message: "unknown key",
                    fix: #"did you mean "num_heads"?"#, line: 10, column: 5)
            ])
        ) {
            try SpecDecoder.decode(Self.vit(config: #""num_head": 3"#))
        }
    }
}
