import Testing
@testable import TileModel

@Test func TileModelBuilds() {}
