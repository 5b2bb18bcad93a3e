package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Read-only reference data.

func (s *Server) merchantInformation(c *call) result {
	m := merchantJSON{Name: merchantName, Email: merchantEmail, Mobile: merchantMobile}
	for _, b := range seedBalances {
		m.Balances = append(m.Balances, balanceJSON{Currency: b.Currency, CurrencyCode: b.CurrencyCode, Network: b.Network, Amount: money(s.st.Balances[b.Currency])})
	}
	for _, p := range programs {
		m.Programs = append(m.Programs, p.wire)
	}
	return ok(m)
}

func (s *Server) programDetails(c *call) result {
	p := findProgram(c.id)
	if p == nil {
		return notFound()
	}
	return ok(p.wire)
}

func (s *Server) countries(c *call) result { return ok(countries) }

func (s *Server) towns(c *call) result {
	id := c.r.URL.Query().Get("countryId")
	if id == "" {
		return ok(towns)
	}
	out := []town{}
	for _, t := range towns {
		if t.CountryOrRegion == id {
			out = append(out, t)
		}
	}
	return ok(out)
}

// Card life cycle (internal/cardsapi/API.md §6).

func (s *Server) applyCard(c *call) result {
	var req struct {
		ProgramID string          `json:"programId"`
		KYC       json.RawMessage `json:"kyc"`
	}
	if bad := c.decode(&req); bad != nil {
		return *bad
	}
	switch {
	case req.ProgramID == "":
		return badRequest("programId is required")
	case len(req.ProgramID) > 36:
		return badRequest("programId must be at most 36 characters")
	}
	p := findProgram(req.ProgramID)
	if p == nil {
		return refuse("Program not found: %s is not one of the merchant's programs", req.ProgramID)
	}
	var verdict kycVerdict
	if p.kycAtApply() {
		if isEmptyJSON(req.KYC) {
			return refuse("kyc is required by program %s (kycRequirements %q) when applying", p.id(), p.kycRequirements())
		}
		v, shape, problem := validateKYC(p.kycRequirements(), req.KYC)
		if shape != "" {
			return badRequest("%s", shape)
		}
		if problem != "" {
			return refuse("%s", problem)
		}
		verdict = v
	}
	// KYC sent to a program that takes none at apply is ignored, like any unknown field.

	cd := &card{ID: newID(), ProgramID: p.id(), Created: c.now}
	switch {
	case p.kycAtApply():
		cd.Status = CardStatusKYCReview
		cd.Pending = &pendingOp{Op: opKYCReview, TaskID: cd.ID, Due: c.now.Add(s.opts.KYCReviewDelay), Reject: verdict.reject}
	case p.physical:
		cd.Status = CardStatusAwaitingBinding
	default:
		cd.Status = CardStatusPending
		cd.Pending = &pendingOp{Op: opActivate, TaskID: cd.ID, Due: c.now.Add(s.opts.TaskDelay)}
	}
	s.st.Cards[cd.ID] = cd
	if cd.Pending != nil {
		s.scheduleLocked(cd.Pending.Due, dueCard, cd.ID, cd.Pending.TaskID)
	}
	s.dirty = true
	return ok(applyCardJSON{CardID: cd.ID, TaskID: cd.ID, Status: StatusSuccess, Remarks: "CardInProgress"})
}

// bindingRequest is the body of Binding.
type bindingRequest struct {
	CardID          string          `json:"cardId"`
	TaskID          string          `json:"taskId"` // alias of cardId in one documented example
	CardNumber      string          `json:"cardNumber"`
	EnvelopeNo      string          `json:"envelopeNo"`
	HandHoldIDPhoto string          `json:"handholdidphoto"`
	KYC             json.RawMessage `json:"kyc"`
}

func (s *Server) binding(c *call) result {
	var req bindingRequest
	if bad := c.decode(&req); bad != nil {
		return *bad
	}
	id, number, bad := req.cardAndNumber()
	if bad != nil {
		return *bad
	}
	cd := s.st.visibleCard(id)
	if cd == nil {
		return notFound()
	}
	p := findProgram(cd.ProgramID)
	if refusal := s.bindingRefusal(cd, p, number); refusal != nil {
		return *refusal
	}
	if refusal := req.programRequirementsRefusal(p); refusal != nil {
		return *refusal
	}
	cd.PAN = number
	s.st.byPAN[number] = cd.ID
	cd.Status = CardStatusPending
	cd.Pending = &pendingOp{Op: opActivate, TaskID: newID(), Due: c.now.Add(s.opts.TaskDelay)}
	s.scheduleLocked(cd.Pending.Due, dueCard, cd.ID, cd.Pending.TaskID)
	s.dirty = true
	return ok(bindingJSON{CardID: cd.ID, CardNo: maskPAN(number), Status: StatusSuccess, Remarks: "BindingInProgress"})
}

// cardAndNumber returns the card to bind and its number without spaces, or a 400 when the
// request is malformed (checked before any card is looked up).
func (req *bindingRequest) cardAndNumber() (id, number string, bad *result) {
	id = req.CardID
	switch {
	case id == "" && req.TaskID == "":
		return "", "", new(badRequest("cardId is required"))
	case id == "":
		id = req.TaskID
	case req.TaskID != "" && normID(req.TaskID) != normID(id):
		return "", "", new(badRequest("cardId and taskId name different cards"))
	}
	number = strings.ReplaceAll(req.CardNumber, " ", "")
	switch {
	case number == "":
		return "", "", new(badRequest("cardNumber is required"))
	case !allDigits(number) || len(number) > 19:
		return "", "", new(badRequest("cardNumber must be at most 19 digits"))
	case len(req.EnvelopeNo) > 15:
		return "", "", new(badRequest("envelopeNo must be at most 15 characters"))
	}
	return id, number, nil
}

// bindingRefusal refuses binding a number to a card that cannot take it: not physical, not
// awaiting binding, or a number that fails the Luhn check or belongs to another card.
func (s *Server) bindingRefusal(cd *card, p *program, number string) *result {
	switch {
	case !p.physical:
		return new(refuse("Binding is for physical cards; program %s issues virtual cards", p.id()))
	case cd.Status != CardStatusAwaitingBinding:
		return new(refuse("card is %s; Binding needs a card in %s", s.wireStatusLocked(cd.Status), s.wireStatusLocked(CardStatusAwaitingBinding)))
	case len(number) < 12 || !luhnValid(number):
		return new(refuse("cardNumber is not a valid card number (12 to 19 digits, Luhn check)"))
	}
	if other, taken := s.st.byPAN[number]; taken && other != cd.ID {
		return new(refuse("cardNumber is already bound to another card"))
	}
	return nil
}

// programRequirementsRefusal refuses a binding that lacks what the card's program requires
// at binding: an envelope number, a hand-held ID photo, KYC.
func (req *bindingRequest) programRequirementsRefusal(p *program) *result {
	if p.wire.EnvelopeNoRequired && strings.TrimSpace(req.EnvelopeNo) == "" {
		return new(refuse("envelopeNo is required by program %s", p.id()))
	}
	if p.wire.NeedPhotoForActiveCard {
		if req.HandHoldIDPhoto == "" {
			return new(refuse("handholdidphoto is required by program %s to activate the card", p.id()))
		}
		if msg := imageProblem(req.HandHoldIDPhoto); msg != "" {
			return new(refuse("handholdidphoto %s", msg))
		}
	}
	if p.kycAtBinding() {
		if isEmptyJSON(req.KYC) {
			return new(refuse("kyc is required by program %s (kycRequirements %q) when binding", p.id(), p.kycRequirements()))
		}
		_, shape, problem := validateKYC(p.kycRequirements(), req.KYC)
		if shape != "" {
			return new(badRequest("%s", shape))
		}
		if problem != "" {
			return new(refuse("%s", problem))
		}
	}
	return nil
}

func (s *Server) cardDetails(c *call) result {
	cd := s.st.visibleCard(c.id)
	if cd == nil {
		return notFound()
	}
	out := cardDetailsJSON{CardStatus: s.wireStatusLocked(cd.Status)}
	if cd.Activated {
		out.CardNumber, out.CVV, out.ExpirationDate = cd.PAN, cd.CVV, cd.Expiry
	}
	return ok(out)
}

func (s *Server) pinDetails(c *call) result {
	cd := s.st.visibleCard(c.id)
	if cd == nil {
		return notFound()
	}
	if !cd.Activated {
		return refuse("card is %s and has no PIN yet", s.wireStatusLocked(cd.Status))
	}
	return ok(pinDetailsJSON{CardNumber: cd.PAN, PIN: cd.PIN})
}

func (s *Server) cardBalance(c *call) result {
	cd := s.st.visibleCard(c.id)
	if cd == nil {
		return notFound()
	}
	p := findProgram(cd.ProgramID)
	out := cardBalanceJSON{
		AvailableBalance: money(cd.Balance), CurrentBalance: money(cd.Balance),
		CardCurrency: p.currency(), CardType: "Virtual",
	}
	if p.physical {
		out.CardType = "Physical"
	}
	if cd.Activated {
		out.CardNumber = maskPAN(cd.PAN)
	}
	return ok(out)
}

// cardOperation describes one of the operations of an active card.
type cardOperation struct {
	name      string
	from      []string // statuses it may start from
	signImage bool     // subject to the program's needPhotoForOperateCard
	remarks   string   // remarks of the accepted task
}

var (
	opFreeze   = cardOperation{OpCardFreeze, []string{CardStatusActive}, true, "CardFreezeInProgress"}
	opUnfreeze = cardOperation{OpCardUnFreeze, []string{CardStatusFrozen}, true, "CardUnFreezeInProgress"}
	opCancel   = cardOperation{OpCancelCard, []string{CardStatusActive, CardStatusFrozen}, false, "CancelCardInProgress"}
	// Set PIN keeps the status, so it is allowed on frozen cards too.
	opSetPin = cardOperation{OpCardSetPin, []string{CardStatusActive, CardStatusFrozen}, true, "CardSetPin SuccesFully!"}
)

func (s *Server) cardFreeze(c *call) result   { return s.operateCard(c, opFreeze) }
func (s *Server) cardUnfreeze(c *call) result { return s.operateCard(c, opUnfreeze) }
func (s *Server) cancelCard(c *call) result   { return s.operateCard(c, opCancel) }
func (s *Server) cardSetPin(c *call) result   { return s.operateCard(c, opSetPin) }

func (s *Server) operateCard(c *call, op cardOperation) result {
	var req struct {
		CardID    string `json:"cardId"`
		SignImage string `json:"signimage"`
	}
	cd, bad := s.decodeCardRequest(c, &req, &req.CardID)
	if bad != nil {
		return *bad
	}
	pend := cd.Pending
	if pend != nil && pend.Op == op.name {
		// A repeat of an operation still in progress (e.g. a retry after a lost response)
		// gets the same task instead of a second one.
		return result{http.StatusOK, taskJSON{TaskID: pend.TaskID, Status: StatusSuccess, Remarks: op.remarks}, outcomeDeduplicated}
	}
	if !contains(op.from, cd.Status) {
		inProgress := ""
		if pend != nil {
			inProgress = " (" + pendingName(pend.Op) + " in progress)"
		}
		return refuse("card is %s%s; %s needs a card that is %s", s.wireStatusLocked(cd.Status), inProgress, op.name, s.wireStatusesLocked(op.from))
	}
	if pend != nil {
		return refuse("card has %s in progress (task %s); retry when it completes", pendingName(pend.Op), pend.TaskID)
	}
	p := findProgram(cd.ProgramID)
	if op.signImage && p.wire.NeedPhotoForOperateCard {
		if req.SignImage == "" {
			return refuse("signimage is required by program %s for %s", p.id(), op.name)
		}
		if msg := imageProblem(req.SignImage); msg != "" {
			return refuse("signimage %s", msg)
		}
	}
	cd.Pending = &pendingOp{Op: op.name, TaskID: newID(), Due: c.now.Add(s.opts.TaskDelay)}
	s.scheduleLocked(cd.Pending.Due, dueCard, cd.ID, cd.Pending.TaskID)
	s.dirty = true
	return ok(taskJSON{TaskID: cd.Pending.TaskID, Status: StatusSuccess, Remarks: op.remarks})
}

func pendingName(op string) string {
	switch op {
	case opActivate:
		return "activation"
	case opKYCReview:
		return "a KYC review"
	}
	return op
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func isEmptyJSON(raw json.RawMessage) bool {
	t := strings.TrimSpace(string(raw))
	return t == "" || t == "null" || t == "{}" || t == `""`
}
