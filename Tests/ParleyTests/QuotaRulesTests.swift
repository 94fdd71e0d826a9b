import Testing
@testable import ParleyCore

/// Hard quotas as pure rules: what a reservation may take, and what each way an item ends
/// releases and charges.
@Suite(.timeLimit(.minutes(1))) struct QuotaRulesTests {
    static let quotas = Quotas(audioSecondsPerDay: 10, charactersPerDay: 100)

    @Test func aReservationMayNotPassAQuotaCountingWhatIsReserved() {
        let usage = Usage(audioSeconds: 4, characters: 10, reservedAudioSeconds: 3, reservedCharacters: 20)
        #expect(Self.quotas.refusal(of: QuotaNeed(audioSeconds: 3), given: usage) == nil, "4 + 3 + 3 = 10 fits")
        #expect(Self.quotas.refusal(of: QuotaNeed(audioSeconds: 3.5), given: usage)
            == QuotaRefusal(quota: "audio_seconds_per_day", need: 3.5, left: 3))
        #expect(Self.quotas.refusal(of: QuotaNeed(characters: 70), given: usage) == nil)
        #expect(Self.quotas.refusal(of: QuotaNeed(characters: 71), given: usage)?.quota == "characters_per_day")
        // Used up (charged plus reserved): even a need not known yet is refused.
        let spent = Usage(audioSeconds: 6, reservedAudioSeconds: 4)
        #expect(Self.quotas.refusal(of: QuotaNeed(), given: spent) == QuotaRefusal(quota: "audio_seconds_per_day", need: 0, left: 0))
        #expect(Self.quotas.refusal(of: QuotaNeed(), given: Usage(audioSeconds: 9.9)) == nil)
        #expect(Quotas().refusal(of: QuotaNeed(audioSeconds: 1e9, characters: 1 << 40), given: spent) == nil, "unlimited")
        // A job larger than the whole quota is refused on an empty day.
        #expect(Self.quotas.refusal(of: QuotaNeed(audioSeconds: 11), given: Usage())?.left == 10)
    }

    @Test func theRefusalSaysWhatWasAskedAndWhatIsLeft() {
        let partial = ParleyError.quotaExceeded(QuotaRefusal(quota: "audio_seconds_per_day", need: 12.2, left: 3.7))
        #expect(partial.status == 429 && partial.code == "quota_exceeded" && partial.param == "audio_seconds_per_day")
        #expect(partial.message.contains("13.0 audio seconds") && partial.message.contains("3.0 left"), "\(partial.message)")
        let spent = ParleyError.quotaExceeded(QuotaRefusal(quota: "characters_per_day", need: 5, left: 0))
        #expect(spent.message == "this key has used its characters_per_day quota for today (UTC)")
    }

    @Test func needsAddUpPerKind() {
        let job = Job(id: "j", ownerKeyId: "k", type: .asr, priority: 0, options: JobOptions(), counts: .allQueued(2), createdAt: 0, updatedAt: 0)
        func item(_ kind: ItemKind, _ amount: Double) -> JobItem {
            JobItem(id: "i", jobId: "j", clientId: "c", kind: kind, jobType: kind == .audio ? .asr : .nmt, input: .text(""),
                    srcLng: nil, tgtLng: nil, model: "m", priority: 0, ownerKeyId: "k", maxAttempts: 1, runAfter: 0,
                    quotaReserved: amount, createdAt: 0)
        }
        #expect(QuotaNeed(items: [item(.audio, 1.5), item(.audio, 2), item(.text, 7)]) == QuotaNeed(audioSeconds: 3.5, characters: 7))
        #expect(QuotaNeed.characters(of: "naïve 日本") == 8)
        #expect(job.quotaDay == "1970-01-01" && job.itemKind == .audio)
    }

    @Test func anEndedItemReleasesItsReservationAndIsChargedWhatItUsed() {
        let meta = ResultMetadata(modelUsed: "m", detectedLanguage: "en", languageProbability: 1, audioSeconds: 4.2)
        let text = ResultMetadata(modelUsed: "m", detectedLanguage: "en", languageProbability: 1, audioSeconds: nil, characters: 9)
        let crash = ParleyError.engineCrashed("boom"), bad = ParleyError.invalidAudio("bad")
        let cases: [(ItemTransition, QuotaSettlement)] = [
            (.settle(.succeeded(resultRef: "r", metadata: meta), cancelRequested: false, now: 1), .charge(QuotaNeed(audioSeconds: 4.2))),
            (.settle(.succeeded(resultRef: "r", metadata: text), cancelRequested: false, now: 1), .charge(QuotaNeed(characters: 9))),
            (.settle(.failed(crash), cancelRequested: false, now: 1), .chargeReserved),
            (.settle(.failed(.engineTimeout(seconds: 5)), cancelRequested: false, now: 1), .chargeReserved),
            (.settle(.failed(bad), cancelRequested: false, now: 1), .release),
            (.settle(.failed(.urlTimeout("slow")), cancelRequested: false, now: 1), .release),
            (.settle(.retry(crash, runAfter: 5), cancelRequested: false, now: 1), .none),
            // A cancellation charges what the item got to, a retry as a failure.
            (.settle(.succeeded(resultRef: "r", metadata: meta), cancelRequested: true, now: 1), .charge(QuotaNeed(audioSeconds: 4.2))),
            (.settle(.retry(crash, runAfter: 5), cancelRequested: true, now: 1), .chargeReserved),
            (.settle(.retry(bad, runAfter: 5), cancelRequested: true, now: 1), .release),
            (.release(cancelRequested: false, now: 1), .none),
            (.release(cancelRequested: true, now: 1), .release),
            (.rescue(attempts: 3, maxAttempts: 3, cancelRequested: false, now: 1), .chargeReserved),
            (.rescue(attempts: 1, maxAttempts: 3, cancelRequested: false, now: 1), .none),
        ]
        for (transition, expected) in cases {
            #expect(transition.quota == expected, "\(transition.status) \(transition.error)")
        }
        #expect(QuotaSettlement.none.amounts(reserved: 3, kind: .audio) == nil)
        #expect(QuotaSettlement.release.amounts(reserved: 3, kind: .audio)! == (3, 0))
        let used = QuotaSettlement.charge(QuotaNeed(audioSeconds: 4.2, characters: 5))
        #expect(used.amounts(reserved: 3, kind: .audio)! == (3, 4.2))
        let totals = QuotaSettlement.totals([(used, 3), (.release, 2), (.none, 5), (.chargeReserved, 1)], kind: .audio)
        #expect(totals == (6, 5.2), "what ended is released and charged, in all; what has not ended keeps its reservation")
        #expect(used.amounts(reserved: 6, kind: .text)! == (6, 5), "a text item is charged its characters")
        #expect(QuotaSettlement.chargeReserved.amounts(reserved: 3, kind: .text)! == (3, 3))
    }
}
