import Testing

@testable import Reports

@Suite("Charts")
struct ChartTests {
    @Test func linearTicksAreRoundAndCoverTheData() {
        #expect(Ticks.linear(0, 4.6) == [0, 1, 2, 3, 4, 5])
        #expect(Ticks.linear(160, 512, target: 7) == [100, 200, 300, 400, 500, 600])
        #expect(Ticks.linear(160, 512, target: 8) == [150, 200, 250, 300, 350, 400, 450, 500, 550])
        #expect(Ticks.linear(0.003, 0.0171) == [0, 0.005, 0.01, 0.015, 0.02])
        #expect(Ticks.linear(-3, 7) == [-4, -2, 0, 2, 4, 6, 8])
        #expect(Ticks.linear(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(Ticks.linear(0, 2455.6, target: 6) == [0, 500, 1000, 1500, 2000, 2500])
        // Reversed bounds are the same range; a single value is widened around itself.
        #expect(Ticks.linear(4.6, 0) == [0, 1, 2, 3, 4, 5])
        #expect(Ticks.linear(5, 5) == [2, 3, 4, 5, 6, 7, 8])
        #expect(Ticks.linear(0, 0) == [-1, -0.5, 0, 0.5, 1])
        #expect(Ticks.linear(.nan, 1) == [0, 1])
    }

    @Test func stepsAreOneTwoOrFiveTimesAPowerOfTen() {
        #expect(Ticks.step(for: 0.92).value == 1)
        #expect(Ticks.step(for: 1).value == 1)
        #expect(Ticks.step(for: 1.01).value == 2)
        #expect(Ticks.step(for: 2.3).value == 5)
        #expect(Ticks.step(for: 5.01).value == 10)
        #expect(Ticks.step(for: 58.7).value == 100)
        #expect(Ticks.step(for: 0.0028).value == 0.005)
        #expect(Ticks.step(for: 0.1).value(at: 3) == 0.3)
    }

    @Test func powersOfTwoSitBelowTheLowestValue() {
        #expect(Ticks.powersOfTwo(49, 3136) == [32, 64, 128, 256, 512, 1024, 2048, 4096])
        #expect(Ticks.powersOfTwo(64, 2048) == [32, 64, 128, 256, 512, 1024, 2048])
        #expect(Ticks.powersOfTwo(0.3, 0.3) == [0.25, 0.5])
        #expect(Ticks.powersOfTwo(1, 1) == [0.5, 1])
        #expect(Ticks.powersOfTwo(0, 8) == [1, 2])
    }

    @Test func tickLabelsUseTheFewestExactDecimals() {
        #expect(Ticks.decimals([0, 1, 2]) == 0)
        #expect(Ticks.decimals([0, 0.5, 1]) == 1)
        #expect(Ticks.decimals([0, 0.005, 0.01]) == 3)
        #expect(ChartAxis("v").resolved(for: [0, 0.9]).labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(ChartAxis("v").resolved(for: [0, 41_000]).labels == ["0", "10,000", "20,000", "30,000", "40,000", "50,000"])
        #expect(ChartAxis("v", scale: .log2).resolved(for: [64, 512]).labels == ["32", "64", "128", "256", "512"])
    }

    @Test func axesMapValuesOntoTheirSpan() {
        let linear = ChartAxis("v", includeZero: false).resolved(for: [3, 7])
        #expect((linear.low, linear.high) == (3, 7))
        #expect(linear.fraction(5) == 0.5)
        let log = ChartAxis("v", scale: .log2).resolved(for: [64, 2048])
        #expect((log.low, log.high) == (32, 2048))
        #expect(log.fraction(256) == 0.5)
        let explicit = ChartAxis("v", ticks: [1, 2, 3], span: 0.5...3.5).resolved(for: [1, 3])
        #expect((explicit.low, explicit.high, explicit.ticks) == (0.5, 3.5, [1, 2, 3]))
    }

    @Test func numbersPrintDeterministically() {
        #expect(SVGText.number(12.345, decimals: 1) == "12.3")
        #expect(SVGText.number(12.35, decimals: 1) == "12.4")
        #expect(SVGText.number(40.0) == "40")
        #expect(SVGText.number(-0.04) == "0")
        #expect(SVGText.number(-2.25, decimals: 1) == "-2.3")
        #expect(SVGText.number(.infinity) == "0")
        #expect(SVGText.fixed(2.5, decimals: 2) == "2.50")
        #expect(SVGText.fixed(3, decimals: 0) == "3")
        #expect(SVGText.fixed(0.004, decimals: 2) == "0.00")
        #expect(SVGText.escaped("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;")
        #expect(SVGText.element("g", [("k", "<v>")], content: "x") == "<g k=\"&lt;v&gt;\">x</g>")
    }
}
