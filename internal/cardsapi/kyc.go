package cardsapi

import (
	"sort"
	"strings"
)

// kycFieldsByRequirement is API.md §5.3: which KYC wire fields each kycRequirements key asks for.
var kycFieldsByRequirement = map[string][]string{
	"passportonly":     {"doctype", "docid", "frontdoc", "backdoc"},
	"passport":         {"doctype", "docid", "frontdoc", "backdoc", "docexpiredate", "docneveexpire"},
	"fullnameonly":     {"firstname", "lastname"},
	"fullname":         {"firstname", "lastname", "gender", "dob"},
	"comms":            {"email", "mobilecode", "mobile"},
	"emergencycontact": {"emergencycontact"},
	"address":          {"address"},
	"fulladdress":      {"address", "town", "city", "state", "zipcode", "countryid", "countryisothree"},
	"handedpassport":   {"handholdidphoto"},
	"face":             {"photo"},
	"sign":             {"signimage"},
	"biomatric":        {"biomatric"},
}

// KYCRequirementFields returns every wire field some kycRequirements key asks for, sorted.
func KYCRequirementFields() []string {
	seen := map[string]bool{}
	var fields []string
	for _, wanted := range kycFieldsByRequirement {
		for _, f := range wanted {
			if !seen[f] {
				seen[f] = true
				fields = append(fields, f)
			}
		}
	}
	sort.Strings(fields)
	return fields
}

// RequiredKYCFields returns the KYC wire field names a program's kycRequirements ask for,
// sorted and without repeats, and the requirement keys it does not know (compared
// case-insensitively, since the vendor's casing varies). Nil requirements need nothing.
func (p Program) RequiredKYCFields() (fields, unknownKeys []string) {
	if p.KYCRequirements == nil {
		return nil, nil
	}
	seen := map[string]bool{}
	for _, key := range strings.Split(*p.KYCRequirements, ",") {
		key = strings.TrimSpace(key)
		if key == "" {
			continue
		}
		wanted, ok := kycFieldsByRequirement[strings.ToLower(key)]
		if !ok {
			unknownKeys = append(unknownKeys, key)
			continue
		}
		for _, f := range wanted {
			if !seen[f] {
				seen[f] = true
				fields = append(fields, f)
			}
		}
	}
	sort.Strings(fields)
	return fields, unknownKeys
}

// NeedsKYC reports whether the program asks for any KYC at all.
func (p Program) NeedsKYC() bool {
	fields, unknown := p.RequiredKYCFields()
	return len(fields) > 0 || len(unknown) > 0
}

// KYCAtApply reports whether KYC goes on ApplyCard (otherwise it goes on Binding).
func (p Program) KYCAtApply() bool { return p.NeedsKYC() && bool(p.KYCRequiredWhileApplyCard) }
