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

// Tolerant decoding (API.md §1, §1.1). The backend is ASP.NET and the documented examples
// disagree on types, so fields whose type is in doubt (ids, codes, bin, dates, flags) accept
// a JSON number or a string. Such a field has one of the Loose types below as its type and
// decodes itself; the models have no decoding methods of their own, so encoding/json does the
// rest (field names stay case-insensitive, unknown fields ignored). Lists that may come as
// one object use OneOrMany (models.go). The Loose types encode as their plain Go values.

// LooseString accepts a string, a number (kept as its exact JSON text) or a boolean; null is "".
type LooseString string

func (s *LooseString) UnmarshalJSON(data []byte) error {
	text, err := looseText(data)
	if err != nil {
		return err
	}
	*s = LooseString(text)
	return nil
}

// looseText is the text of a JSON string, number (its exact JSON text) or boolean; null is "".
func looseText(data []byte) (string, error) {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0 || string(data) == "null":
		return "", nil
	case data[0] == '"':
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return "", err
		}
		return v, nil
	case data[0] == '{' || data[0] == '[':
		return "", fmt.Errorf("expected a string or number, got %s", jsonKind(data))
	case data[0] == 't' || data[0] == 'f':
		var b bool
		if err := json.Unmarshal(data, &b); err != nil {
			return "", err
		}
		return strconv.FormatBool(b), nil
	default: // a number
		var n json.Number
		if err := json.Unmarshal(data, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
}

// LooseInt accepts an integer as a number or a string ("", null are 0). A number with an
// exact integral value such as 5.0 is accepted.
type LooseInt int64

func (i *LooseInt) UnmarshalJSON(data []byte) error {
	text, err := looseText(data)
	if err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		*i = 0
		return nil
	}
	v, err := parseInteger(text)
	if err != nil {
		return err
	}
	*i = LooseInt(v)
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

// LooseBool accepts true/false, "true"/"false" and "yes"/"no" (any case), 1/0 and "1"/"0";
// null and "" are false.
type LooseBool bool

func (b *LooseBool) UnmarshalJSON(data []byte) error {
	text, err := looseText(data)
	if err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "true", "1", "yes":
		*b = true
	case "false", "0", "no", "":
		*b = false
	default:
		return fmt.Errorf("%q is not a boolean", truncate(text, 40))
	}
	return nil
}

// LooseUnixTime is a point in time as Unix seconds. It accepts seconds as a number or a string,
// and the date-time texts an ASP.NET backend writes (RFC 3339, or without a zone = UTC,
// API.md §1); null and "" are 0.
type LooseUnixTime int64

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.9999999",
	"2006-01-02 15:04:05.9999999",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02",
}

func (u *LooseUnixTime) UnmarshalJSON(data []byte) error {
	text, err := looseText(data)
	if err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		*u = 0
		return nil
	}
	if v, err := parseInteger(text); err == nil {
		*u = LooseUnixTime(v)
		return nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, text, time.UTC); err == nil {
			*u = LooseUnixTime(t.Unix())
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
