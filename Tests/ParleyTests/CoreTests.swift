import Testing
@testable import ParleyCore

@Suite(.timeLimit(.minutes(5))) struct JobStatusTests {
    @Test(arguments: [
        (JobCounts(total: 3, queued: 3), false, JobStatus.queued),
        (JobCounts(total: 3, queued: 2, running: 1), false, .running),
        (JobCounts(total: 3, queued: 2, succeeded: 1), false, .running),
        (JobCounts(total: 3, succeeded: 3), false, .succeeded),
        (JobCounts(total: 3, succeeded: 2, failed: 1), false, .completedWithErrors),
        (JobCounts(total: 3, failed: 3), false, .failed),
        (JobCounts(total: 1, failed: 1), false, .failed),
        (JobCounts(total: 3, succeeded: 1, cancelled: 2), true, .cancelled),
        (JobCounts(total: 3, cancelled: 3), true, .cancelled),
        (JobCounts(total: 3, running: 1, cancelled: 2), true, .running),
    ])
    func derive(counts: JobCounts, cancelled: Bool, expected: JobStatus) {
        #expect(JobStatus.derive(from: counts, cancelRequested: cancelled) == expected)
    }

    @Test func allFailedIsNeverSucceeded() {
        for total in 1...5 {
            for succeeded in 0...total {
                let counts = JobCounts(total: total, succeeded: succeeded, failed: total - succeeded)
                let status = JobStatus.derive(from: counts, cancelRequested: false)
                #expect(status == (succeeded == total ? .succeeded : succeeded == 0 ? .failed : .completedWithErrors))
            }
        }
    }

    @Test func terminalStates() {
        #expect(!JobStatus.queued.isTerminal && !JobStatus.running.isTerminal)
        let terminal = [JobStatus.succeeded, .completedWithErrors, .failed, .cancelled].allSatisfy { $0.isTerminal }
        #expect(terminal)
    }
}

@Suite(.timeLimit(.minutes(5))) struct ItemStatusTests {
    @Test func legalTransitions() {
        let legal: Set<String> = [
            "queued>running", "queued>cancelled", "queued>failed", "running>succeeded",
            "running>failed", "running>queued", "running>cancelled",
        ]
        for from in ItemStatus.allCases {
            for to in ItemStatus.allCases {
                #expect(from.canTransition(to: to) == legal.contains("\(from.rawValue)>\(to.rawValue)"), "\(from) -> \(to)")
            }
        }
    }

    @Test func countsMove() {
        var counts = JobCounts.allQueued(4)
        counts.move(2, from: .queued, to: .running)
        counts.move(from: .running, to: .succeeded)
        counts.move(from: .running, to: .failed)
        #expect(counts == JobCounts(total: 4, queued: 2, succeeded: 1, failed: 1))
        #expect(counts.finished == 2)
    }
}

@Suite(.timeLimit(.minutes(5))) struct RetryPolicyTests {
    let policy = RetryPolicy(baseDelay: 1_000, maxDelay: 10_000, maxAttempts: 5)

    @Test func growsExponentiallyWithEqualJitter() {
        #expect(policy.delay(afterAttempt: 1, random: 0) == 500)
        #expect(policy.delay(afterAttempt: 1, random: 1) == 1_000)
        #expect(policy.delay(afterAttempt: 2, random: 0) == 1_000)
        #expect(policy.delay(afterAttempt: 3, random: 0.5) == 3_000)
    }

    @Test func capsAtMaximumForAnyAttempt() {
        for attempt in [5, 10, 40, 1_000] {
            let delay = policy.delay(afterAttempt: attempt, random: 1)
            #expect(delay == 10_000)
            #expect(policy.delay(afterAttempt: attempt, random: 0) == 5_000)
        }
    }

    @Test func randomDrawStaysInRange() {
        for attempt in 1...8 {
            let delay = policy.delay(afterAttempt: attempt)
            #expect(delay >= 500 && delay <= 10_000)
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct LanguageCodeTests {
    @Test func normalizes() {
        #expect(LanguageCode.normalize("en") == "en")
        #expect(LanguageCode.normalize("PT-br") == "pt")
        #expect(LanguageCode.normalize("hi") == "hi")
        #expect(LanguageCode.normalize("ta_IN") == "ta")
        #expect(LanguageCode.normalize("haw") == "haw")
        #expect(LanguageCode.normalize("zu") == "zu")
    }

    @Test(arguments: ["", "xx", "english", "e", "-", "123"])
    func rejectsUnknown(code: String) {
        #expect(LanguageCode.normalize(code) == nil)
    }

    @Test func whisperKnowsAHundredLanguages() {
        #expect(LanguageCode.whisper.count == 100)
        #expect(LanguageCode.whisper.isSubset(of: LanguageCode.known))
    }
}

@Suite(.timeLimit(.minutes(5))) struct ItemInputTests {
    @Test(arguments: [ItemInput.blob("inputs/j/i"), .url("https://example.com/a:b.wav"), .text("hello: world")])
    func roundTrips(input: ItemInput) {
        #expect(ItemInput(reference: input.reference) == input)
    }

    @Test func rejectsUnknownScheme() {
        #expect(ItemInput(reference: "ftp:x") == nil)
        #expect(ItemInput(reference: "nocolon") == nil)
    }

    @Test func identifiersHavePrefixAndLength() {
        let id = Identifier.make("job")
        #expect(id.hasPrefix("job_") && id.count == 24)
        #expect(Identifier.make("job") != id)
        for length in [1, 11, 12, 13, 40] {
            let body = Identifier.make("x", length: length).dropFirst(2)
            #expect(body.count == length && body.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) })
        }
    }
}
