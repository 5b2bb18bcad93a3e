package cardsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Tolerant decoding (API.md §1). The backend is ASP.NET and the documented examples disagree
// on types, so fields whose type is in doubt (ids, codes, bin, dates, flags) accept a JSON
// number or a string. The models keep friendly Go types; each model's UnmarshalJSON
// overrides only its doubtful fields and lets encoding/json do the rest (field names stay
// case-insensitive, unknown fields ignored).

// flexString accepts a string, a number (kept as its exact JSON text) or a boolean; null is "".
type flexString string

func (s *flexString) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0 || string(data) == "null":
		*s = ""
	case data[0] == '"':
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		*s = flexString(v)
	case data[0] == '{' || data[0] == '[':
		return fmt.Errorf("expected a string or number, got %s", jsonKind(data))
	default: // number, true, false: their JSON text
		var n json.Number
		if data[0] == 't' || data[0] == 'f' {
			var b bool
			if err := json.Unmarshal(data, &b); err != nil {
				return err
			}
			*s = flexString(strconv.FormatBool(b))
			return nil
		}
		if err := json.Unmarshal(data, &n); err != nil {
			return err
		}
		*s = flexString(n.String())
	}
	return nil
}

// flexInt accepts an integer as a number or a string ("", null are 0). A number with an
// exact integral value such as 5.0 is accepted.
type flexInt int64

func (i *flexInt) UnmarshalJSON(data []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(data); err != nil {
		return err
	}
	text := strings.TrimSpace(string(s))
	if text == "" {
		*i = 0
		return nil
	}
	v, err := parseInteger(text)
	if err != nil {
		return err
	}
	*i = flexInt(v)
	return nil
}

func parseInteger(text string) (int64, error) {
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%q is not an integer", truncate(text, 40))
	}
	return int64(f), nil
}

// flexBool accepts true/false, "true"/"false" (any case), 1/0 and "1"/"0"; null and "" are false.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(data); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "true", "1", "yes":
		*b = true
	case "false", "0", "no", "":
		*b = false
	default:
		return fmt.Errorf("%q is not a boolean", truncate(string(s), 40))
	}
	return nil
}

// flexUnix is a point in time as Unix seconds. It accepts seconds as a number or a string,
// and the date-time texts an ASP.NET backend writes (RFC 3339, or without a zone = UTC,
// API.md §1); null and "" are 0.
type flexUnix int64

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.9999999",
	"2006-01-02 15:04:05.9999999",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02",
}

func (u *flexUnix) UnmarshalJSON(data []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(data); err != nil {
		return err
	}
	text := strings.TrimSpace(string(s))
	if text == "" {
		*u = 0
		return nil
	}
	if v, err := parseInteger(text); err == nil {
		*u = flexUnix(v)
		return nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, text, time.UTC); err == nil {
			*u = flexUnix(t.Unix())
			return nil
		}
	}
	return fmt.Errorf("%q is neither Unix seconds nor a date-time", truncate(text, 40))
}

func jsonKind(data []byte) string {
	if len(data) > 0 && data[0] == '[' {
		return "a list"
	}
	return "an object"
}

// UnmarshalJSON accepts ids that are strings or numbers.
func (t *Task) UnmarshalJSON(data []byte) error {
	type plain Task
	aux := struct {
		plain
		TaskID flexString `json:"taskId"`
	}{plain: plain(*t), TaskID: flexString(t.TaskID)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*t = Task(aux.plain)
	t.TaskID = string(aux.TaskID)
	return nil
}

// UnmarshalJSON accepts a numeric mobile number.
func (m *Merchant) UnmarshalJSON(data []byte) error {
	type plain Merchant
	aux := struct {
		plain
		Mobile flexString `json:"mobile"`
	}{plain: plain(*m), Mobile: flexString(m.Mobile)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*m = Merchant(aux.plain)
	m.Mobile = string(aux.Mobile)
	return nil
}

// UnmarshalJSON accepts a numeric currency code (ISO 4217 numbers such as 840).
func (b *MerchantBalance) UnmarshalJSON(data []byte) error {
	type plain MerchantBalance
	aux := struct {
		plain
		CurrencyCode flexString `json:"currencyCode"`
	}{plain: plain(*b), CurrencyCode: flexString(b.CurrencyCode)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*b = MerchantBalance(aux.plain)
	b.CurrencyCode = string(aux.CurrencyCode)
	return nil
}

// UnmarshalJSON accepts bin as a number or string, flags as booleans, strings or 0/1, and
// enum-like fields (kycType) as numbers.
func (p *Program) UnmarshalJSON(data []byte) error {
	type plain Program
	aux := struct {
		plain
		ProgramID                 flexString `json:"programId"`
		BIN                       flexInt    `json:"bin"`
		Type                      flexString `json:"type"`
		ConsumptionMethod         flexString `json:"consumptionMethod"`
		ReviewTime                flexString `json:"reviewTime"`
		CardState                 flexString `json:"cardState"`
		KYCType                   flexString `json:"kycType"`
		KYCRequiredWhileApplyCard flexBool   `json:"kycRequiredWhileApplyCard"`
		NeedPhotoForActiveCard    flexBool   `json:"needPhotoForActiveCard"`
		NeedPhotoForOperateCard   flexBool   `json:"needPhotoForOperateCard"`
		EnvelopeNoRequired        flexBool   `json:"envelopeNoRequired"`
	}{
		plain:                     plain(*p),
		ProgramID:                 flexString(p.ProgramID),
		BIN:                       flexInt(p.BIN),
		Type:                      flexString(p.Type),
		ConsumptionMethod:         flexString(p.ConsumptionMethod),
		ReviewTime:                flexString(p.ReviewTime),
		CardState:                 flexString(p.CardState),
		KYCType:                   flexString(p.KYCType),
		KYCRequiredWhileApplyCard: flexBool(p.KYCRequiredWhileApplyCard),
		NeedPhotoForActiveCard:    flexBool(p.NeedPhotoForActiveCard),
		NeedPhotoForOperateCard:   flexBool(p.NeedPhotoForOperateCard),
		EnvelopeNoRequired:        flexBool(p.EnvelopeNoRequired),
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*p = Program(aux.plain)
	p.ProgramID = string(aux.ProgramID)
	p.BIN = int64(aux.BIN)
	p.Type = string(aux.Type)
	p.ConsumptionMethod = string(aux.ConsumptionMethod)
	p.ReviewTime = string(aux.ReviewTime)
	p.CardState = string(aux.CardState)
	p.KYCType = string(aux.KYCType)
	p.KYCRequiredWhileApplyCard = bool(aux.KYCRequiredWhileApplyCard)
	p.NeedPhotoForActiveCard = bool(aux.NeedPhotoForActiveCard)
	p.NeedPhotoForOperateCard = bool(aux.NeedPhotoForOperateCard)
	p.EnvelopeNoRequired = bool(aux.EnvelopeNoRequired)
	return nil
}

// UnmarshalJSON accepts a numeric card id.
func (r *ApplyCardResponse) UnmarshalJSON(data []byte) error {
	type plain ApplyCardResponse
	aux := struct {
		plain
		CardID flexString `json:"cardId"`
	}{plain: plain(*r), CardID: flexString(r.CardID)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*r = ApplyCardResponse(aux.plain)
	r.CardID = string(aux.CardID)
	return nil
}

// UnmarshalJSON accepts a numeric card id or card number.
func (r *BindCardResponse) UnmarshalJSON(data []byte) error {
	type plain BindCardResponse
	aux := struct {
		plain
		CardID flexString `json:"cardId"`
		CardNo flexString `json:"cardno"`
	}{plain: plain(*r), CardID: flexString(r.CardID), CardNo: flexString(r.CardNo)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*r = BindCardResponse(aux.plain)
	r.CardID = string(aux.CardID)
	r.CardNo = string(aux.CardNo)
	return nil
}

// UnmarshalJSON accepts a card number or CVV sent as a JSON number.
func (d *CardDetails) UnmarshalJSON(data []byte) error {
	type plain CardDetails
	aux := struct {
		plain
		CardNumber     flexString `json:"cardNumber"`
		CVV            flexString `json:"cvv"`
		ExpirationDate flexString `json:"expirationDate"`
	}{plain: plain(*d), CardNumber: flexString(d.CardNumber), CVV: flexString(d.CVV), ExpirationDate: flexString(d.ExpirationDate)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*d = CardDetails(aux.plain)
	d.CardNumber = string(aux.CardNumber)
	d.CVV = string(aux.CVV)
	d.ExpirationDate = string(aux.ExpirationDate)
	return nil
}

// UnmarshalJSON accepts a card number or PIN sent as a JSON number.
func (d *PinDetails) UnmarshalJSON(data []byte) error {
	type plain PinDetails
	aux := struct {
		plain
		CardNumber flexString `json:"cardNumber"`
		PIN        flexString `json:"pin"`
	}{plain: plain(*d), CardNumber: flexString(d.CardNumber), PIN: flexString(d.PIN)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*d = PinDetails(aux.plain)
	d.CardNumber = string(aux.CardNumber)
	d.PIN = string(aux.PIN)
	return nil
}

// UnmarshalJSON accepts a numeric card number or card type.
func (b *CardBalance) UnmarshalJSON(data []byte) error {
	type plain CardBalance
	aux := struct {
		plain
		CardNumber flexString `json:"cardNumber"`
		CardType   flexString `json:"cardType"`
	}{plain: plain(*b), CardNumber: flexString(b.CardNumber), CardType: flexString(b.CardType)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*b = CardBalance(aux.plain)
	b.CardNumber = string(aux.CardNumber)
	b.CardType = string(aux.CardType)
	return nil
}

// UnmarshalJSON accepts counters sent as strings.
func (p *TransactionPage) UnmarshalJSON(data []byte) error {
	type plain TransactionPage
	aux := struct {
		plain
		Total flexInt `json:"total"`
		Page  flexInt `json:"page"`
		Size  flexInt `json:"size"`
	}{plain: plain(*p), Total: flexInt(p.Total), Page: flexInt(p.Page), Size: flexInt(p.Size)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*p = TransactionPage(aux.plain)
	p.Total, p.Page, p.Size = int(aux.Total), int(aux.Page), int(aux.Size)
	return nil
}

// UnmarshalJSON accepts numeric ids and a date as Unix seconds or date-time text.
func (tx *Transaction) UnmarshalJSON(data []byte) error {
	type plain Transaction
	aux := struct {
		plain
		TaskID flexString `json:"taskId"`
		CardID flexString `json:"cardId"`
		Type   flexString `json:"type"`
		Status flexString `json:"status"`
		Date   flexUnix   `json:"date"`
	}{plain: plain(*tx), TaskID: flexString(tx.TaskID), CardID: flexString(tx.CardID),
		Type: flexString(tx.Type), Status: flexString(tx.Status), Date: flexUnix(tx.Date)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*tx = Transaction(aux.plain)
	tx.TaskID, tx.CardID = string(aux.TaskID), string(aux.CardID)
	tx.Type, tx.Status = string(aux.Type), string(aux.Status)
	tx.Date = int64(aux.Date)
	return nil
}

// UnmarshalJSON accepts ids and ISO numbers as numbers or strings.
func (c *Country) UnmarshalJSON(data []byte) error {
	type plain Country
	aux := struct {
		plain
		ID        flexString `json:"id"`
		ISONumber flexString `json:"isoNumber"`
	}{plain: plain(*c), ID: flexString(c.ID), ISONumber: flexString(c.ISONumber)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*c = Country(aux.plain)
	c.ID, c.ISONumber = string(aux.ID), string(aux.ISONumber)
	return nil
}

// UnmarshalJSON accepts ids, codes and the country reference as numbers or strings.
func (t *Town) UnmarshalJSON(data []byte) error {
	type plain Town
	aux := struct {
		plain
		ID              flexString `json:"id"`
		Code            flexString `json:"code"`
		CountryOrRegion flexString `json:"countryOrRegion"`
	}{plain: plain(*t), ID: flexString(t.ID), Code: flexString(t.Code), CountryOrRegion: flexString(t.CountryOrRegion)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*t = Town(aux.plain)
	t.ID, t.Code, t.CountryOrRegion = string(aux.ID), string(aux.Code), string(aux.CountryOrRegion)
	return nil
}

// UnmarshalJSON accepts a numeric card id.
func (e *TopUpFeeEstimate) UnmarshalJSON(data []byte) error {
	type plain TopUpFeeEstimate
	aux := struct {
		plain
		CardID flexString `json:"cardId"`
	}{plain: plain(*e), CardID: flexString(e.CardID)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*e = TopUpFeeEstimate(aux.plain)
	e.CardID = string(aux.CardID)
	return nil
}

// UnmarshalJSON accepts numeric ids and type, and a date as Unix seconds or date-time text.
func (s *TopUpStatus) UnmarshalJSON(data []byte) error {
	type plain TopUpStatus
	aux := struct {
		plain
		TaskID flexString `json:"taskId"`
		CardID flexString `json:"cardId"`
		Type   flexString `json:"type"`
		Status flexString `json:"status"`
		Date   flexUnix   `json:"date"`
	}{plain: plain(*s), TaskID: flexString(s.TaskID), CardID: flexString(s.CardID),
		Type: flexString(s.Type), Status: flexString(s.Status), Date: flexUnix(s.Date)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*s = TopUpStatus(aux.plain)
	s.TaskID, s.CardID = string(aux.TaskID), string(aux.CardID)
	s.Type, s.Status = string(aux.Type), string(aux.Status)
	s.Date = int64(aux.Date)
	return nil
}
