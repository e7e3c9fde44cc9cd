import Foundation
import Testing

@testable import VitScopeCLI

/// Each class of bad input gets a precise message and exit 1 (input) or 2 (usage); nothing traps.
@Suite("Bad input")
struct BadInputTests {
    static let validViT = """
        {
          "name": "tiny",
          "family": "vit",
          "image_size": 224,
          "config": {"patch_size": 16, "embed_dim": 192, "depth": 2, "num_heads": 3}
        }
        """

    @Test(arguments: [
        // (arguments, exit code, exact stderr)
        (
            ["analyze", "vit_base_patch16_224", "--image-size", "8"], ExitCode.failure,
            "error: embed/patch_embed/proj: conv2d output height for input height 8 with kernel 16, stride 16, padding 0 would be 0; the nearest image size that works is 16\n"
        ),
        (
            ["analyze", "t2t_vit_14", "--image-size", "232"], .failure,
            "error: embed/pos_embed: position_embedding input tokens and table length (the table is sized for the image when the model is built): 226 ≠ 197; the nearest square image sizes that work are 226 and 240\n"
        ),
        (
            ["analyze", "t2t_vit_14", "--image-size", "192x256"], .failure,
            "error: t2t1/square_input: image height and width (T2T-ViT reshapes tokens to a square grid): 192 ≠ 256; the nearest square image sizes that work are 192 and 256\n"
        ),
        (
            ["analyze", "pit_s_22"], .failure,
            "error: MODEL: unknown model 'pit_s_22'; did you mean 'pit_s_224'? (vitscope list shows all presets)\n"
        ),
        (
            ["analyze", "vit_huge_patch14_224", "--batch", "1048576", "--image-size", "65536"], .failure,
            "error: embed/patch_embed/proj: counts at batch 1048576 and 65536×65536 do not fit in a 64-bit integer; use smaller widths in the config, a smaller batch or a smaller image size\n"
        ),
        (
            ["analyze", "nothere.json"], .failure,
            "error: nothere.json: no such file; give a preset name (vitscope list) or the path of a spec file\n"
        ),
    ])
    func inputErrors(_ arguments: [String], _ code: ExitCode, _ message: String) {
        let captured = Captured()
        #expect(VitScope.run(arguments, console: captured.console) == code)
        #expect(captured.err == message)
        #expect(captured.out == "")
    }

    @Test(arguments: [
        (
            ["analyze", "vit_small_patch16_224", "--image-size", "abc"],
            "error: --image-size expects N or HxW (e.g. 224 or 192x256), got 'abc'"
        ),
        (
            ["analyze", "vit_small_patch16_224", "--image-size", "224x"],
            "error: --image-size expects N or HxW (e.g. 224 or 192x256), got '224x'"
        ),
        (["analyze", "vit_small_patch16_224", "--imagesize", "224"], "error: unknown option '--imagesize'; did you mean --image-size?"),
        (["analyze", "vit_small_patch16_224", "--batch"], "error: --batch needs a value (N)"),
        (["analyze", "vit_small_patch16_224", "--batch", "two"], "error: --batch expects a whole number from 1 to 1048576, got 'two'"),
        (["analyze", "vit_small_patch16_224", "--format", "yaml"], "error: --format expects one of table, markdown, json, got 'yaml'"),
        (["analyze"], "error: analyze needs a MODEL"),
        (["compare", "pit_s_224"], "error: compare needs at least two MODELs"),
        (["analyse", "pit_s_224"], "error: unknown command 'analyse'; did you mean 'analyze'?"),
    ])
    func usageErrors(_ arguments: [String], _ firstLine: String) {
        let captured = Captured()
        #expect(VitScope.run(arguments, console: captured.console) == .usage)
        #expect(captured.err.split(separator: "\n").first.map(String.init) == firstLine)
    }

    @Test func malformedJSONNamesLineAndColumn() throws {
        let path = try temporarySpec("{\n  \"name\": \"x\"\n  \"family\": \"vit\"\n}\n")
        let result = vitscope("validate", path)
        #expect(result.code == .failure)
        #expect(
            result.err
                == "error: \(path): spec (line 3, column 3): expected ',' or '}' after object member, found '\"'\n1 problem in \(path)\n")
    }

    @Test func validateListsEveryProblem() throws {
        let spec = """
            {
              "name": "broken",
              "family": "pit",
              "image_size": 224,
              "config": {"patch_size": 16, "stride": 8, "base_dim": [48, 48], "depth": [2, 6, 4], "heads": [3, 6],
                         "mlp_ratio": "4"}
            }
            """
        let path = try temporarySpec(spec)
        let result = vitscope("validate", path)
        #expect(result.code == .failure)
        #expect(
            result.err == """
                error: \(path): config.base_dims (line 5, column 13): missing required key "base_dims"
                error: \(path): config.base_dim (line 5, column 45): unknown key; did you mean "base_dims"?
                error: \(path): config.mlp_ratio (line 6, column 27): expected a number, found the string "4"
                3 problems in \(path)

                """)
    }

    @Test func impossibleConfigsAreExplained() throws {
        let spec = Self.validViT.replacing("\"embed_dim\": 192", with: "\"embed_dim\": 100")
            .replacing("\"image_size\": 224", with: "\"image_size\": [224, 8]")
        let path = try temporarySpec(spec)
        let result = vitscope("validate", path, "--format", "json")
        #expect(result.code == .failure)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.map { $0["field"] as? String } == ["\(path): image_size", "\(path): config.embed_dim"])
        #expect(
            problems.map { $0["message"] as? String } == [
                "image width 8 is smaller than patch_size 16",
                "embed_dim 100 is not divisible by num_heads 3",
            ])
        #expect(
            problems.map { $0["fix"] as? String } == [
                "use an image of at least 16×16 or a patch_size of at most 8",
                "set embed_dim to a multiple of 3 such as 99 or 102, or num_heads to a divisor of 100 such as 2 or 4",
            ])
    }

    @Test func depthListsOfTheWrongLength() throws {
        let spec = """
            {"name": "p", "family": "pit", "image_size": 224,
             "config": {"patch_size": 16, "stride": 8, "base_dims": [48, 48, 48], "depth": [2, 6], "heads": [3, 6, 12]}}
            """
        let path = try temporarySpec(spec)
        let result = vitscope("validate", path)
        #expect(result.code == .failure)
        #expect(
            result.err == "error: \(path): config (line 2, column 12): base_dims, depth and heads must have the same length "
                + "(one entry per stage), found lengths 3, 2 and 3; make the three arrays the same length\n1 problem in \(path)\n")
    }

    /// Worked by hand: conv 196·192·768; per block qkv 197·192·576, scores and context 2·3·197²·64,
    /// proj 197·192², MLP 2·197·192·768; head 192·1000.
    @Test func validSpecFileValidates() throws {
        let result = vitscope("validate", try temporarySpec(Self.validViT))
        #expect(result.code == .success)
        #expect(result.out == "valid: tiny at 224×224, 1,268,776 params, 233,191,680 MACs\n")
    }
}
