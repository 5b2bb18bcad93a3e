// Package sandbox is an in-memory Cards API server (internal/cardsapi/API.md §1–§7) for client tests, Terraform
// acceptance tests, the demo and benchmarks. It is a real HTTP server, not a mock: every
// request must carry a valid SHA256withRSA signature made with the merchant key.
//
// It deliberately shares no code with the client (internal/cardsapi) or the provider, only
// internal/signing, so a misreading of the contract on one side cannot hide on the other.
//
// # Routes
//
// The API lives under /api/v1 with the internal/cardsapi/API.md §4 paths, routed case-insensitively (the
// all-cards transactions are POST /Cards/Transactions; towns take ?countryId=). Controls live
// under /sandbox/ and answer loopback clients only (403 otherwise):
//
//	GET    /sandbox/cards                     CardInfo list (no PAN, CVV or PIN)
//	GET    /sandbox/cards/{id}                one CardInfo
//	POST   /sandbox/cards/{id}/status         {"status":"Frozen"}      ForceCardStatus
//	POST   /sandbox/cards/{id}/kyc            {"approve":true}         ReviewKYC
//	POST   /sandbox/cards/{id}/transactions   {"count":50}             AddTransactions
//	GET    /sandbox/counters, DELETE resets   Counters, ResetCounters
//	GET    /sandbox/faults, PUT replaces      {"latency":"50ms","errorRate":0.1,"throttleRate":0,
//	                                           "loseResponseRate":0,"lateAnswerRate":0,"errorAfterRate":0,
//	                                           "lateAnswerDelay":"30s",
//	                                           "next":[{"operation":"ApplyCard","mode":"lose-response","count":1}]}
//	GET    /sandbox/status-names, PUT         {"Active":"Normal","Success":"Done"}  SetStatusNames ({} clears)
//	GET    /sandbox/rate-limit, PUT           {"rateLimit":5}          SetRateLimit (0 = unlimited)
//	GET    /sandbox/topups                    TopUpInfo list
//	GET    /sandbox/merchant, PUT             balances; PUT {"currency":"USD","amount":"10.00"}
//	POST   /sandbox/settle                    Settle: complete everything pending now
//
// # Authentication
//
// customerToken must equal Options.CustomerToken; timestamp (Unix seconds) must be within
// 300 s of the server clock; nonce may not repeat within 10 minutes; the signature covers
// the three headers plus every top-level body field (signing.CanonicalString); a GET signs
// the headers only, its query is not signed. Failures answer 401 {"status":"Failed",
// "remarks":...}. An Authorization header is accepted and ignored.
//
// # Answers
//
// Accepted operations answer 200 {"taskId","status":"Success","remarks":"CardInProgress"}
// (ApplyCard adds cardId, and its taskId is the card id; Binding answers
// {cardId, cardno (masked), status, remarks}). Business refusals answer 200 with
// status "Failed" and a remarks naming the reason: wrong card state, unknown program,
// missing KYC fields (all named), missing signimage/envelopeNo/handholdidphoto, invalid
// amount, amount over singleRechargeLimit, insufficient merchant balance, another operation
// in progress. Malformed requests (not a JSON object, wrong field type, missing cardId or
// programId, over-long fields) answer 400; an unknown or purged card or top-up task answers
// 404 {"status":"Failed","remarks":"Record Not Found"}, on GET and POST alike; an unknown
// program answers 404 on ProgramDetails and a 200 refusal on ApplyCard.
//
// Money is exact (shopspring/decimal). Amounts in answers are quoted strings with two places
// ("100.00"); program fees and limits are bare JSON numbers (1.50), so clients meet both.
// Dates are Unix seconds.
//
// # Life cycle
//
// Statuses: Pending, KycReview, KycRejected, AwaitingBinding, Active, Frozen, Cancelled
// (the sandbox's own names; see Status names for spelling them otherwise on the wire).
// Every accepted operation completes TaskDelay later (KYC reviews KYCReviewDelay later);
// until then the status is unchanged. Transitions are kept in a due-time queue and applied,
// in due order, by the next request or control that takes the state lock (and by a
// scheduler goroutine when a CallbackURL is set), so tests need no background timing.
//
//	virtual (ProgramVirtual, ProgramSignature): ApplyCard → Pending → Active
//	ProgramPhysicalKYC: ApplyCard (KYC) → KycReview → AwaitingBinding | KycRejected;
//	    Binding (cardNumber, envelopeNo) → Pending → Active
//	ProgramPhysicalKYCAtBinding: ApplyCard → AwaitingBinding (at once);
//	    Binding (cardNumber, handholdidphoto, KYC) → Pending → Active
//	Active —CardFreeze→ Frozen —CardUnFreeze→ Active; Active|Frozen —CancelCard→ Cancelled
//	CardSetPin (Active or Frozen) keeps the status and sets a new 4-digit PIN
//
// A KYC review approves unless the KYC firstname is "REJECT" (RejectFirstName, any case),
// or ReviewKYC settles it first. KYC is validated (required fields per internal/cardsapi/API.md §5.3 for the
// program's kycRequirements, plus plausible values: country ids, ISO3 matching countryid,
// towns of that country, yyyy-MM-dd dates, base64 images ≤ 2 MB or http(s) URLs) and then
// dropped: only the review outcome is kept.
//
// Virtual cards get a Luhn-valid 16-digit PAN on their program's BIN at activation; physical
// cards take the number given to Binding (Luhn-valid, 12–19 digits, bound once; NewCardNumber
// makes one). CVV (3 digits), expiry (MM/YY three years ahead) and PIN are issued at
// activation; CardDetails shows empty number/CVV/expiry before it, PinDetails refuses.
// A cancelled card answers CardDetails with Cancelled for CancelledRetention (default 10
// minutes), then 404 everywhere. Repeating a card operation that is still in progress
// returns the same task; a different operation in progress is refused.
//
// # Top-ups
//
// fee = clamp(round_half_up(amount × rate, 2), rechargeFeeMin, rechargeFeeMax), the same for
// EstimateCardTopUpFee and CardTopUp (see RechargeFee; rates: ProgramVirtual 1.5% [1.00,
// 50.00], ProgramPhysicalKYC 2% [2.00, 100.00], ProgramSignature 1% [0.50, 25.00],
// ProgramPhysicalKYCAtBinding 2.5% [2.50, 75.00]). A top-up needs an Active card, an amount
// "d+(.dd)" > 0 not over singleRechargeLimit and greater than its fee, and a merchant balance
// in the program currency (USD) covering the amount. The merchant is debited the amount at
// acceptance; TaskDelay later the card is credited amount − fee and two transactions are
// recorded (recharge: gross amount; fee: the fee). TopUpStatus says Pending, then Success,
// or Failed with remarks (one-shot fault "topup-fails", or the card was cancelled meanwhile),
// in which case the merchant is refunded.
//
// # Status names
//
// Options.StatusNames (SetStatusNames, PUT /sandbox/status-names, flag -status-names) renames
// statuses on the wire only, to try a client against a platform that spells them otherwise,
// e.g. {"Active":"Normal","Frozen":"Locked","Pending":"Processing","Success":"Done"}. Keys are
// the sandbox's own names, matched case-insensitively: the card statuses above and the top-up
// statuses Pending, Success and Failed; Pending renames both a card's and a top-up's.
// Renamed are: CardDetails cardStatus; the card statuses named in refusal remarks ("card is
// Locked; CardFreeze needs a card that is Normal"); TopUpStatus status; the status of every
// transaction item (Success, Failed); the Status of recharge webhooks. Not renamed: the
// status "Success"/"Failed" that every answer carries to say whether the request was accepted
// (ApplyCard, CardTopUp, refusals, errors), the Status of createcard, kycstatus and operation
// webhooks (an operation's outcome), a program's cardState, and everything the controls and
// the Go methods (Cards, Card, CardInfo, ForceCardStatus, TopUps) show or take: they keep
// the sandbox's own names. Status names are not persisted.
//
// # Rate limit
//
// Options.RateLimit (SetRateLimit, PUT /sandbox/rate-limit, flag -rate-limit) is the
// platform's own limit on requests per second over the whole API: a token bucket of
// max(1, ⌈R⌉) requests refilled at R per second. A request to an operation beyond it is
// answered at once, before faults and authentication, 429 {"status":"Failed",...} with
// Retry-After in whole seconds (at least 1) until a token is due; it is not processed and
// does not use up its nonce. Counted as Op.ratelimited.
//
// # Faults, counters, webhooks, persistence
//
// See Faults for injection (latency; 429 with Retry-After: 1, 500 and 503 before processing;
// lose-response, late-answer and 500-after after processing) and Server.Counters for what is
// counted. Once a request has been received it is processed even if the client gives up
// during the injected latency, as on a real platform: only Close cuts the latency short.
//
// Webhooks (createcard, kycstatus, operation — also for set-PIN —, recharge) are POSTed to
// CallbackURL in order, each retried with doubling delays (WebhookRetryDelay, up to 30 s)
// until the receiver answers 2xx {"code":0}; a webhook that is never acknowledged holds back
// the later ones.
//
// With StateFile, every change is written atomically (mode 0600) and reloaded by New; pending
// work keeps its due times across a restart. Nonces, counters, faults, the rate limit and
// status names are not persisted.
package sandbox
