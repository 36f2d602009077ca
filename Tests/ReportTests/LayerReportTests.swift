import Foundation
import Testing
@testable import Report

/// `LayerReport` holds the model's `LayerStats` whole and writes the flat row it always wrote.
@Suite struct LayerReportTests {
    /// A layer's statistics with a different value in every field (the eight phases add up:
    /// 600 busy + 1 + 2 + 3 + 4 + 5 + 6 + 379 stalls = 1000 cycles).
    static let stats = LayerStats(
        name: "c1", kernel: 3, stride: 2, inShape: [16, 16, 8], outShape: [8, 8, 4], tileShape: "4x4", tapsPacked: true,
        outputPairs: false, tileDensity: 0.5, activeTiles: 2, passes: 1, cycles: 1000, computeBusyCycles: 600,
        stallCycles: { var s = StallCycles(); (s.setup, s.weights, s.load, s.store, s.dram, s.requant, s.drain) = (1, 2, 3, 4, 5, 6, 379); return s }(),
        issuedMACs: 9216, usefulMACs: 4608, denseMACs: 18432, peUtilization: 0.25, dramBytesRead: 4096, weightBytesRead: 320,
        dramBytesWritten: 512, boundBytes: 2048, boundCycles: 400, cyclesOverBound: 2.5, denseCycles: 1500, speedup: 1.5)

    /// The row's JSON, written out by hand: flat, the keys of docs/reports.md (sorted, as
    /// `LayerReportSet.json()` writes them), `stallCycles` nested, no `weightBytesRead`, and
    /// milliseconds = 1000 cycles / 250 MHz = 0.004 ms.
    @Test func theJSONRowIsFlat() throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try e.encode(LayerReport(Self.stats, clockMHz: 250)), as: UTF8.self)
        #expect(json == """
            {
              "activeTiles" : 2,
              "boundBytes" : 2048,
              "boundCycles" : 400,
              "computeBusyCycles" : 600,
              "cycles" : 1000,
              "cyclesOverBound" : 2.5,
              "denseCycles" : 1500,
              "denseMACs" : 18432,
              "dramBytesRead" : 4096,
              "dramBytesWritten" : 512,
              "inShape" : [
                16,
                16,
                8
              ],
              "issuedMACs" : 9216,
              "kernel" : 3,
              "lanesGrouped" : false,
              "lineBuffer" : false,
              "milliseconds" : 0.004,
              "name" : "c1",
              "outShape" : [
                8,
                8,
                4
              ],
              "outputPairs" : false,
              "passes" : 1,
              "peUtilization" : 0.25,
              "speedup" : 1.5,
              "stallCycles" : {
                "drain" : 379,
                "dram" : 5,
                "load" : 3,
                "requant" : 6,
                "setup" : 1,
                "store" : 4,
                "weights" : 2
              },
              "stride" : 2,
              "tapsPacked" : true,
              "tileDensity" : 0.5,
              "tileShape" : "4x4",
              "usefulMACs" : 4608
            }
            """)
    }

    /// The CSV line of the same row, by hand, in `LayerReport.columns` order.
    @Test func theCSVRow() throws {
        let csv = LayerReport.csv([LayerReport(Self.stats, clockMHz: 250)]).split(separator: "\n").map(String.init)
        #expect(csv == [LayerReport.csvHeader,
                        "c1,3,2,16x16x8,8x8x4,4x4,true,false,false,false,0.5,2,1,1000,400,2.5,1500,1.5,600,1,2,3,4,5,6,379,9216,4608,18432,0.25,4096,512,2048,0.004"])
    }

    /// A row reads and writes its fields through its `stats` (one copy of each), and the
    /// co-simulation columns appear in the JSON only once set.
    @Test func fieldsLiveInTheStats() throws {
        var row = LayerReport(Self.stats, clockMHz: 250)
        #expect(row.cycles == 1000 && row.stallCycles.drain == 379 && row.weightBytesRead == 320)
        row.cycles = 999
        row.stallCycles.load += 1
        #expect(row.stats.cycles == 999 && row.stats.stallCycles.load == 4)
        #expect(!LayerReportSet(config: .small, layers: [row]).json().contains("modelCycles"))
        row.modelCycles = 999
        row.rtlStallCycles = row.stallCycles
        let back = try LayerReportSet.fromJSON(Data(LayerReportSet(config: .small, layers: [row]).json().utf8)).layers[0]
        #expect(back.modelCycles == 999 && back.rtlStallCycles == row.stallCycles && back.goldenMatch == nil)
        // every report column survives; weightBytesRead is not one
        #expect(back.stats == { var s = row.stats; s.weightBytesRead = 0; return s }())
    }
}
