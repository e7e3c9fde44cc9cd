import Foundation
import Testing

@testable import VitScopeCLI

@Suite("Commands")
struct CommandTests {
    @Test func analyzeJSONHasTheContractShape() throws {
        let result = vitscope("analyze", "pit_s_224", "--format", "json")
        #expect(result.code == .success)
        #expect(result.err == "")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(object["model"] as? String == "pit_s_224")
        let input = try #require(object["input"] as? [String: Int])
        #expect(input == ["batch": 1, "channels": 3, "height": 224, "width": 224])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["params"] as? Int == 23_461_912)
        #expect(totals["trainable_params"] as? Int == 23_461_912)
        #expect(totals["macs"] as? Int == 2_870_796_096)
        #expect(totals["flops"] as? Int == 5_741_592_192)
        #expect(totals["fvcore"] as? Int == 2_877_457_536)
        let stages = try #require(object["stages"] as? [[String: Any]])
        let transformers = stages.filter { $0["kind"] as? String == "transformer" }
        #expect(transformers.map { $0["grid"] as? [Int] } == [[27, 27], [14, 14], [7, 7]])
        #expect(transformers.map { $0["channels"] as? Int } == [144, 288, 576])
        #expect(transformers.map { $0["spatial_tokens"] as? Int } == [729, 196, 49])
        #expect(transformers.map { $0["extra_tokens"] as? Int } == [1, 1, 1])
        #expect(stages.compactMap { $0["macs"] as? Int }.reduce(0, +) == 2_870_796_096)
        #expect(stages.compactMap { $0["params"] as? Int }.reduce(0, +) == 23_461_912)
        let layers = try #require(object["layers"] as? [[String: Any]])
        let qkv = try #require(layers.first { $0["path"] as? String == "stage1/block0/attn/qkv" })
        #expect(qkv["op"] as? String == "linear")
        #expect(qkv["output_shape"] as? [Int] == [1, 730, 432])
        #expect(qkv["params"] as? Int == 144 * 432 + 432)
        #expect(qkv["macs"] as? Int == 730 * 144 * 432)
    }

    @Test func analyzeTableStatesUnitsAndPublishedFigures() {
        let result = vitscope("analyze", "deit_small_patch16_224")
        #expect(result.code == .success)
        #expect(result.out.contains("params               22,050,664  22.05 M"))
        #expect(result.out.contains("MACs              4,598,882,304  4.599 G"))
        #expect(result.out.contains("published 22.1 M params / 4.6 G MACs"))
        #expect(result.out.contains("exact rounded alike: 22.1 M / 4.6 G — agrees within rounding"))
        #expect(result.out.contains("units: M = 10⁶, G = 10⁹"))
    }

    @Test func publishedFiguresThatDifferAreFlagged() {
        let result = vitscope("analyze", "cvt_13")
        #expect(result.out.contains("exact rounded alike: 20 M / 4.6 G — MACs differ beyond rounding"))
    }

    @Test func overridesChangeTheModel() throws {
        let result = vitscope(
            "analyze", "vit_base_patch16_224", "--image-size", "384", "--num-classes", "0", "--batch", "2",
            "--format", "json")
        #expect(result.code == .success)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let totals = try #require(object["totals"] as? [String: Any])
        // 384/16 = 24 → 577 position embeddings; no head: 86,859,496 − 769,000.
        #expect(totals["params"] as? Int == 86_090_496)
        #expect(object["input"] as? [String: Int] == ["batch": 2, "channels": 3, "height": 384, "width": 384])
        #expect(object["num_classes"] as? Int == 0)
    }

    @Test func compareShowsStagesSideBySideAndRatios() {
        let result = vitscope("compare", "vit_small_patch16_224", "pit_s_224")
        #expect(result.code == .success)
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("2  stage1") && $0.contains("14×14   196+1  384") && $0.contains("27×27   729+1  144") })
        #expect(lines.contains { $0.hasPrefix("pit_s_224") && $0.hasSuffix("1.06×       0.62×") })
    }

    @Test func compareMarkdownAndJSON() throws {
        let markdown = vitscope("compare", "resnet50", "pit_s_224", "--format", "markdown")
        #expect(markdown.out.hasPrefix("| # | resnet50 stage | grid |"))
        let json = vitscope("compare", "resnet50", "pit_s_224", "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == ["resnet50", "pit_s_224"])
    }

    @Test func listHasEveryPresetOncePerLine() {
        let result = vitscope("list")
        #expect(result.code == .success)
        let lines = result.out.split(separator: "\n")
        #expect(lines.count == 42 + 2)
        #expect(lines.contains { $0.hasPrefix("pit_s_224 ") && $0.hasSuffix("23.46     2.871") })
    }

    @Test func validateAcceptsPresetsAndSpecFiles() throws {
        let result = vitscope("validate", "resnet50")
        #expect(result.code == .success)
        #expect(result.out == "valid: resnet50 at 224×224, 25,557,032 params, 4,089,184,256 MACs\n")
    }

    @Test(arguments: ["list", "analyze", "compare", "validate"])
    func everyCommandHasHelp(_ command: String) {
        let result = vitscope(command, "--help")
        #expect(result.code == .success)
        #expect(result.out.contains("usage: vitscope \(command)"))
        #expect(result.out.contains("--help"))
    }

    @Test func topLevelHelpListsCommands() {
        let result = vitscope("--help")
        #expect(result.code == .success)
        for command in ["list", "analyze", "compare", "validate"] { #expect(result.out.contains("\n  \(command) ")) }
        #expect(vitscope().code == .usage)
    }
}
