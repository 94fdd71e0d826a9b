import Foundation
import Testing
@testable import ParleyBlobs

/// The SigV4 signer against AWS's published vectors.
@Suite(.timeLimit(.minutes(5))) struct SigV4SignerTests {
    static let suite = SigV4Signer(
        credentials: S3Credentials(accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    static let s3Docs = SigV4Signer(
        credentials: S3Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    @Test func getVanillaFromTheSigV4TestSuite() {
        let headers = Self.suite.sign(
            method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.suiteDate)
        #expect(headers.first { $0.0 == "Authorization" }?.1 == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(headers.first { $0.0 == "X-Amz-Date" }?.1 == "20150830T123600Z")
    }

    @Test func s3GetObjectExampleFromTheS3Documentation() {
        let headers = Self.s3Docs.sign(
            method: "GET", path: "/test.txt",
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                      ("x-amz-content-sha256", SigV4Signer.emptyPayloadHash)],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.s3Date)
        #expect(headers.first { $0.0 == "Authorization" }?.1.hasSuffix(
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") == true)
    }

    @Test func presignedGetExampleFromTheS3Documentation() {
        let query = Self.s3Docs.presignedQuery(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", expires: 86_400, date: Self.s3Date)
        #expect(query == "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func canonicalFormsFollowTheSpecification() {
        #expect(SigV4Signer.uriEncode("a b/c~d*é") == "a%20b%2Fc~d%2A%C3%A9")
        #expect(SigV4Signer.uriEncode("dir/file name.wav", keepSlash: true) == "dir/file%20name.wav")
        #expect(SigV4Signer.canonicalQuery([("b", "2"), ("a", "z"), ("a", "1")]) == "a=1&a=z&b=2")
        let (lines, signed) = SigV4Signer.canonicalHeaders([("My-Header", "  a   b  "), ("host", "h"), ("my-header", "c")])
        #expect(lines == "host:h\nmy-header:a b,c\n" && signed == "host;my-header")
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
    }

    @Test func aDifferentSecretGivesADifferentSignature() {
        let other = SigV4Signer(credentials: S3Credentials(accessKey: "AKIDEXAMPLE", secretKey: "other"), region: "us-east-1", service: "service")
        let sign = { (signer: SigV4Signer) in
            signer.sign(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")],
                        payloadHash: SigV4Signer.emptyPayloadHash, date: Self.suiteDate)[0].1
        }
        #expect(sign(other) != sign(Self.suite))
    }
}
