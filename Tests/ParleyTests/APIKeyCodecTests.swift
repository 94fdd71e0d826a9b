import Testing
@testable import ParleyAuth
import ParleyCore

@Suite(.timeLimit(.minutes(5))) struct APIKeyCodecTests {
    @Test func generatedKeysParseToTheirPrefix() {
        let (key, prefix) = APIKeyCodec.generate()
        #expect(key.hasPrefix("pk_\(prefix)_"))
        #expect(APIKeyCodec.prefix(of: key) == prefix)
        #expect(key.count == 3 + 12 + 1 + 40)
        #expect(APIKeyCodec.generate().key != key)
    }

    @Test func seededKeysGetAHashDerivedPrefix() {
        let seed = "an-operator-chosen-admin-key-of-40-chars!"
        #expect(APIKeyCodec.prefix(of: seed).hasPrefix("seed"))
        #expect(APIKeyCodec.prefix(of: seed) == APIKeyCodec.prefix(of: seed))
        #expect(APIKeyCodec.prefix(of: "pk__x").hasPrefix("seed"))
    }

    @Test func hashIsSHA256Hex() {
        #expect(APIKeyCodec.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals("abc", "abc"))
        #expect(!ConstantTime.equals("abc", "abd"))
        #expect(!ConstantTime.equals("abc", "abcd"))
        #expect(ConstantTime.equals("", ""))
    }
}
