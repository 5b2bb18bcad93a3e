package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// kycRequirementFields is the internal/cardsapi/API.md §5.3 table: which KYC fields each requirement key needs.
var kycRequirementFields = []struct {
	key    string
	fields []string
}{
	{"PassportOnly", []string{"doctype", "docid", "frontdoc", "backdoc"}},
	{"Passport", []string{"doctype", "docid", "frontdoc", "backdoc", "docexpiredate", "docneveexpire"}},
	{"FullNameOnly", []string{"firstname", "lastname"}},
	{"FullName", []string{"firstname", "lastname", "gender", "dob"}},
	{"Comms", []string{"email", "mobilecode", "mobile"}},
	{"EmergencyContact", []string{"emergencycontact"}},
	{"Address", []string{"address"}},
	{"FullAddress", []string{"address", "town", "city", "state", "zipcode", "countryid", "countryisothree"}},
	{"HandedPassport", []string{"handholdidphoto"}},
	{"Face", []string{"photo"}},
	{"Sign", []string{"signimage"}},
	{"Biomatric", []string{"biomatric"}},
}

// requiredKYCFields expands a kycRequirements list into field names, in table order, without
// duplicates. Unknown keys are ignored, as a client would ignore an unknown program flag.
func requiredKYCFields(requirements string) []string {
	var out []string
	seen := map[string]bool{}
	for _, key := range strings.Split(requirements, ",") {
		key = strings.TrimSpace(key)
		for _, row := range kycRequirementFields {
			if !strings.EqualFold(row.key, key) {
				continue
			}
			for _, f := range row.fields {
				if !seen[f] {
					seen[f] = true
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// RejectFirstName is the KYC firstname that makes a KYC review fail (case-insensitive):
// an application with it is accepted, goes to KycReview, and ends KycRejected.
const RejectFirstName = "REJECT"

// kycVerdict is all the sandbox keeps of a KYC object: whether its review must fail.
// The values themselves are validated and dropped (internal/cardsapi/API.md §5.3: personal data is not stored).
type kycVerdict struct {
	reject bool
}

const maxImageBytes = 2 << 20 // internal/cardsapi/API.md §4: images up to 2 MB

var (
	mobileCodePattern = regexp.MustCompile(`^\+[0-9]{1,4}$`)
	mobilePattern     = regexp.MustCompile(`^[0-9]{4,15}$`)
	intPattern        = regexp.MustCompile(`^[0-9]+$`)
)

// validateKYC checks a kyc object against the program's requirements. The first result is a
// 400 remark for a shape error (kyc not an object, a field of the wrong JSON type); the
// second a refusal remark naming every missing field, or the invalid ones.
func validateKYC(requirements string, raw json.RawMessage) (kycVerdict, string, string) {
	var verdict kycVerdict
	fields := map[string]string{}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null")) {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &obj); err != nil {
			return verdict, "kyc must be a JSON object", ""
		}
		for name, value := range obj {
			text, ok := scalarText(value)
			if !ok {
				return verdict, fmt.Sprintf("kyc field %s must be a string or number", strings.ToLower(name)), ""
			}
			if text != "" {
				fields[strings.ToLower(name)] = text // wire names are lower-case; tolerate others
			}
		}
	}
	var missing []string
	for _, f := range requiredKYCFields(requirements) {
		if fields[f] == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return verdict, "", fmt.Sprintf("KYC incomplete: missing %s (required by kycRequirements %q)", strings.Join(missing, ", "), requirements)
	}
	if problems := kycValueProblems(fields); len(problems) > 0 {
		return verdict, "", "KYC invalid: " + strings.Join(problems, "; ")
	}
	verdict.reject = strings.EqualFold(strings.TrimSpace(fields["firstname"]), RejectFirstName)
	return verdict, "", ""
}

// kycValueProblems checks the values that are present, whether required or not.
func kycValueProblems(f map[string]string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	checkPersonalValues(f, bad)
	checkAddressValues(f, bad)
	checkDocumentValues(f, bad)
	checkImageValues(f, bad)
	return problems
}

// complain records one problem with a KYC value.
type complain func(format string, args ...any)

// checkPersonalValues checks the cardholder's gender, birth date, nationality and contacts.
func checkPersonalValues(f map[string]string, bad complain) {
	if v, ok := f["gender"]; ok && v != "1" && v != "2" {
		bad("gender must be 1 (male) or 2 (female)")
	}
	if v, ok := f["dob"]; ok {
		if d, err := time.Parse(time.DateOnly, v); err != nil {
			bad("dob must be yyyy-MM-dd")
		} else if !d.Before(time.Now()) {
			bad("dob must be in the past")
		}
	}
	if v, ok := f["nationalityid"]; ok && findCountryByID(v) == nil {
		bad("nationalityid %q is not a country id from /Countries", v)
	}
	if v, ok := f["email"]; ok {
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			bad("email is not a valid address")
		}
	}
	if v, ok := f["mobilecode"]; ok && !mobileCodePattern.MatchString(v) {
		bad("mobilecode must look like +91")
	}
	if v, ok := f["mobile"]; ok && !mobilePattern.MatchString(v) {
		bad("mobile must be 4 to 15 digits")
	}
}

// checkAddressValues checks the country, its ISO code and the town against one another.
func checkAddressValues(f map[string]string, bad complain) {
	var ctry *country
	if v, ok := f["countryid"]; ok {
		if ctry = findCountryByID(v); ctry == nil {
			bad("countryid %q is not a country id from /Countries", v)
		}
	}
	if v, ok := f["countryisothree"]; ok {
		if c := findCountryByISO3(v); c == nil {
			bad("countryisothree %q is not an ISO 3166-1 alpha-3 code", v)
		} else if ctry != nil && c.ID != ctry.ID {
			bad("countryisothree %s does not match countryid %s (%s)", v, ctry.ID, ctry.ISOThree)
		}
	}
	if v, ok := f["town"]; ok {
		if t := findTown(v); t == nil {
			bad("town %q is not a town id or code from /Towns", v)
		} else if ctry != nil && t.CountryOrRegion != ctry.ID {
			bad("town %s is not in country %s", v, ctry.ID)
		}
	}
}

// checkDocumentValues checks the identity document's type and expiry.
func checkDocumentValues(f map[string]string, bad complain) {
	if v, ok := f["doctype"]; ok && !intPattern.MatchString(v) {
		bad("doctype must be an integer")
	}
	if v, ok := f["docexpiredate"]; ok {
		if d, err := time.Parse(time.DateOnly, v); err != nil {
			bad("docexpiredate must be yyyy-MM-dd")
		} else if d.Before(time.Now().UTC().Truncate(24*time.Hour)) && f["docneveexpire"] != "1" {
			// A document valid through its expiry day; one that never expires has no expiry to judge.
			bad("docexpiredate is in the past: the document has expired")
		}
	}
	if v, ok := f["docneveexpire"]; ok && v != "0" && v != "1" {
		bad("docneveexpire must be 0 or 1")
	}
}

// checkImageValues checks every image field that is present.
func checkImageValues(f map[string]string, bad complain) {
	for _, name := range []string{"frontdoc", "backdoc", "handholdidphoto", "biomatric", "photo", "signimage"} {
		if v, ok := f[name]; ok {
			if msg := imageProblem(v); msg != "" {
				bad("%s %s", name, msg)
			}
		}
	}
}

// imageProblem accepts a base64 image (optionally as a data: URL) of at most 2 MB, or an
// http(s) URL to one; it returns "" when v is acceptable.
func imageProblem(v string) string {
	if strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") {
		return ""
	}
	if strings.HasPrefix(v, "data:") {
		comma := strings.IndexByte(v, ',')
		if comma < 0 {
			return "is a malformed data URL"
		}
		v = v[comma+1:]
	}
	if base64.StdEncoding.DecodedLen(len(v)) > maxImageBytes+3 {
		return "exceeds 2 MB"
	}
	data, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return "must be a base64 image (standard alphabet) or an http(s) URL"
	}
	if len(data) > maxImageBytes {
		return "exceeds 2 MB"
	}
	return ""
}

// scalarText is a JSON scalar as text (strings unquoted, null empty); objects and arrays
// are not scalars.
func scalarText(value json.RawMessage) (string, bool) {
	v := bytes.TrimSpace(value)
	switch {
	case len(v) == 0 || bytes.Equal(v, []byte("null")):
		return "", true
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false
		}
		return strings.TrimSpace(s), true
	case v[0] == '{' || v[0] == '[':
		return "", false
	default:
		return string(v), true
	}
}
