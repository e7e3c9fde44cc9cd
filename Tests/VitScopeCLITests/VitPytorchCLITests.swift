import Foundation
import Testing

@testable import VitScopeCLI

/// `--vit-pytorch CALL` wherever MODEL is accepted.
@Suite("--vit-pytorch")
struct VitPytorchCLITests {
    static let pit = "PiT(image_size=224, patch_size=14, dim=256, num_classes=1000, depth=(3, 3, 3), heads=16, mlp_dim=2048)"
    static let vit =
        "ViT(image_size=256, patch_size=32, num_classes=1000, dim=1024, depth=6, heads=16, mlp_dim=2048, dropout=0.1, emb_dropout=0.1)"

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func analyzeReadsTheCall() throws {
        let result = vitscope("analyze", "--vit-pytorch", Self.pit, "--format", "json")
        #expect(result.code == .success && result.err == "")
        let object = try Self.json(result.out)
        #expect(object["model"] as? String == Self.pit)
        #expect(object["family"] as? String == "vit_pytorch")
        #expect(object["reference"] as? String == "vit-pytorch 1.26.11 vit_pytorch.pit.PiT")
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["params"] as? Int == 47_499_752)
        #expect(totals["macs"] as? Int == 17_321_982_976)
        let stages = try #require(object["stages"] as? [[String: Any]])
        #expect(stages.map { $0["kind"] as? String } == ["embed", "transformer", "pool", "transformer", "pool", "transformer", "head"])
    }

    /// A call pasted from a script: spread over lines, with comments and a trailing comma.
    @Test func multiLineCallsWithComments() throws {
        let call = """
            vit_pytorch.cvt.CvT(
                num_classes = 1000,   # ImageNet
                s3_depth = 10,
            )
            """
        let result = vitscope("analyze", "--vit-pytorch", call, "--format", "json")
        #expect(try Self.json(result.out)["model"] as? String == "vit_pytorch.cvt.CvT(num_classes=1000, s3_depth=10)")
        #expect((try Self.json(result.out)["totals"] as? [String: Any])?["params"] as? Int == 19_936_296)
    }

    /// Models are compared in the order given, presets and calls mixed.
    @Test func compareMixesCallsAndPresets() throws {
        let result = vitscope(
            "compare", "--vit-pytorch", Self.vit, "pit_s_224", "--vit-pytorch", "CvT(num_classes=1000)", "--format", "json")
        #expect(result.code == .success)
        let models = try #require(try Self.json(result.out)["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == [Self.vit, "pit_s_224", "CvT(num_classes=1000)"])
    }

    /// CvT takes its input size from --image-size; ViT, PiT and T2TViT are rebuilt for it, as
    /// presets are. CvT at 192×256 is half the fixture's batch-2 measurement, 8,881,674,240 MACs.
    @Test func imageSizeOverrides() throws {
        let cvt = try Self.json(
            vitscope("analyze", "--vit-pytorch", "CvT(num_classes=1000)", "--image-size", "192x256", "--format", "json").out)
        #expect(cvt["input"] as? [String: Int] == ["batch": 1, "channels": 3, "height": 192, "width": 256])
        #expect((cvt["totals"] as? [String: Any])?["macs"] as? Int == 4_440_837_120)
        let vit = try Self.json(vitscope("analyze", "--vit-pytorch", Self.vit, "--image-size", "224", "--format", "json").out)
        // 224 / 32 = 7: 49 patches and a class token, 50 positions instead of 65.
        #expect((vit["totals"] as? [String: Any])?["params"] as? Int == 54_630_376 - 15 * 1024)
    }

    @Test func validateReportsEveryProblemUnderTheOption() {
        let call = "PiT(image_size=224, patch_size=14, dim=256, num_classes=1000, depth=[3, 3, 3], heads=16, mlp_dim=2048, dimhead=32)"
        let result = vitscope("validate", "--vit-pytorch", call)
        #expect(result.code == .failure)
        #expect(
            result.err == """
                error: --vit-pytorch depth (line 1, column 69): must be a tuple of blocks per stage, found a list [3, 3, 3]; vit-pytorch's PiT asserts isinstance(depth, tuple) at construction; write a tuple such as (3, 3, 3)
                error: --vit-pytorch dimhead (line 1, column 104): unknown argument: vit-pytorch's PiT has no argument 'dimhead'; did you mean dim_head?
                2 problems in \(call)

                """)
        let valid = vitscope("validate", "--vit-pytorch", Self.pit)
        #expect(valid.out == "valid: \(Self.pit) at 224×224, 47,499,752 params, 17,321,982,976 MACs\n")
    }

    @Test(arguments: [
        (
            ["analyze", "--vit-pytorch", "ViT(image_size=256, patch_size=32"], ExitCode.failure,
            "error: --vit-pytorch (line 1, column 34): expected ',' or ')' after an argument, found end of input\n"
        ),
        (
            ["analyze", "--vit-pytorch", "Vit(num_classes=10)"], .failure,
            "error: --vit-pytorch (line 1, column 1): unknown class 'Vit'; vitscope reads vit-pytorch's ViT, PiT, T2TViT, CvT; did you mean ViT?\n"
        ),
        (
            ["analyze", "--vit-pytorch", pit, "--image-size", "230"], .failure,
            "error: image_size: vit-pytorch's PiT asserts at construction that image_size % patch_size == 0: 230 % 14 = 6; "
                + "use an image_size that is a multiple of 14 such as 224 or 238, or a patch_size that divides 230\n"
        ),
    ])
    func inputErrors(_ arguments: [String], _ code: ExitCode, _ message: String) {
        let captured = Captured()
        #expect(VitScope.run(arguments, console: captured.console) == code)
        #expect(captured.err == message)
        #expect(captured.out == "")
    }

    @Test(arguments: [
        (["analyze", "--vit-pytorch", pit, "--vit-pytorch", pit], "error: analyze takes one MODEL; use compare for several"),
        (["analyze", "pit_s_224", "--vit-pytorch", pit], "error: analyze takes one MODEL; use compare for several"),
        (["compare", "--vit-pytorch", pit], "error: compare needs at least two MODELs"),
        (["formula", "--vit-pytorch"], "error: --vit-pytorch needs a value (CALL)"),
        (["list", "--vit-pytorch", pit], "error: unknown option '--vit-pytorch'"),
    ])
    func usageErrors(_ arguments: [String], _ firstLine: String) {
        let captured = Captured()
        #expect(VitScope.run(arguments, console: captured.console) == .usage)
        #expect(captured.err.split(separator: "\n").first.map(String.init) == firstLine)
    }

    @Test func formulaAndSweepTakeCalls() {
        let formula = vitscope("formula", "--vit-pytorch", Self.vit)
        #expect(formula.code == .success)
        #expect(formula.out.contains("  params           = H·W + 54564840\n"))
        let sweep = vitscope("sweep", "--vit-pytorch", Self.pit, "--image-sizes", "210,230", "--format", "csv")
        #expect(sweep.code == .success)
        #expect(
            sweep.out.contains(
                "230,230,,,,,,,,image_size: vit-pytorch's PiT asserts at construction that image_size % patch_size == 0: 230 % 14 = 6"))
    }

    @Test(arguments: ["analyze", "compare", "validate", "formula", "sweep"])
    func helpListsTheOption(_ command: String) {
        #expect(vitscope(command, "--help").out.contains("  --vit-pytorch CALL"))
    }
}
